/**
 * One link's full row from mirror.db, for the admin analytics route's `link_info` (the
 * in-memory index holds only what a redirect needs: the URL and whether it is active).
 *
 * A sync renames a new mirror.db over the old one, and a miss lookup upserts in place: the
 * connection is kept while the path still names the file it opened (device + inode, one
 * stat per call) and reopened once it does not. Read-only, so it can never leave a journal
 * beside a file it does not belong to (the hazard MirrorWriter guards against).
 */
import Database from 'better-sqlite3';
import type { LinkInfo } from '../../types.js';
import { SCHEMA_VERSION } from './schema.js';
import { fileIdentity, mirrorPath } from './mirror-path.js';

/** The guide's `link_info` fields, in the guide's order. */
export const LINK_INFO_FIELDS = ['tracking_id', 'original_url', 'link_function', 'link_type', 'job_id', 'application_id', 'is_active', 'description'] as const;

/** `link_info` exactly as the guide's analytics answer writes it: every field present, null where the mirror has none. */
export type GuideLinkInfo = Required<Pick<LinkInfo, (typeof LINK_INFO_FIELDS)[number]>>;

export interface LinkReader {
  /** null when the mirror does not know the id (or there is no mirror yet). Throws when mirror.db cannot be read. */
  link(trackingId: string): GuideLinkInfo | null;
  close(): void;
}

export function openLinkReader(dataDir: string): LinkReader {
  const path = mirrorPath(dataDir);
  let db: Database.Database | null = null;
  let select: Database.Statement | null = null;
  let identity: string | null = null;

  const close = () => {
    try {
      db?.close();
    } catch {
      // a connection to a replaced file has nothing left to flush
    }
    db = null;
    select = null;
    identity = null;
  };

  return {
    link(trackingId) {
      const now = fileIdentity(path);
      if (now === null) {
        close();
        return null;
      }
      if (now !== identity) {
        close();
        const opened = new Database(path, { readonly: true, fileMustExist: true });
        try {
          opened.pragma('busy_timeout = 1000');
          // An older schema is replaced by the next sync and serves nothing until then.
          if (opened.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) {
            opened.close();
            return null;
          }
          select = opened.prepare(`SELECT ${LINK_INFO_FIELDS.join(', ')} FROM link_tracking WHERE tracking_id = ?`);
        } catch (err) {
          opened.close();
          throw err;
        }
        db = opened;
        identity = now;
      }
      const row = select!.get(trackingId) as Record<string, string | number | null> | undefined;
      if (!row) return null;
      return {
        tracking_id: String(row['tracking_id']),
        original_url: String(row['original_url']),
        link_function: (row['link_function'] as string | null) ?? null,
        link_type: (row['link_type'] as string | null) ?? null,
        job_id: (row['job_id'] as string | null) ?? null,
        application_id: (row['application_id'] as string | null) ?? null,
        is_active: row['is_active'] === 1,
        description: (row['description'] as string | null) ?? null,
      };
    },
    close,
  };
}
