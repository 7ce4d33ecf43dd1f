/**
 * Commands run as root act as the data folder's owner. The README tells the operator to run
 * `status`, `sync --force`, `dead-letters purge` as root while `serve` runs as its own user
 * (systemd DynamicUser=); files those commands created were root:root 0600, which the service
 * could then not open (a healthy mirror was taken for a damaged one, the head for an absent
 * one). So, before anything in the folder is opened, a root process whose data folder belongs
 * to another user drops to that user (groups, gid, then uid) and every file it makes is the
 * service's. When that user cannot reach the folder from outside the service (DynamicUser's
 * /var/lib/private is 0700 root), a command that writes refuses with the exact way to run it;
 * one that only reads carries on as root (root may read, and reading creates nothing).
 *
 * The same holds for this clickrelay install: after the switch the command still loads code
 * (every worker thread — the mirror build, the outbox writer — reads its modules from disk when
 * it starts, and no preloading in this thread can serve another thread), so an install the
 * owner cannot read (a checkout under root's 0700 home) failed half-way with a misleading
 * "installation changed" or "Cannot find module". It is checked before the switch, like the
 * folder. With serve running, `sync` and `ship --once` ask the serve instead and never switch.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ClickrelayError } from '../errors.js';

/** The install this code runs from: the package folder holding dist/ (or src/) and node_modules. */
const INSTALL_ROOT = resolve(import.meta.dirname, '../..');

export interface OwnerSwitch {
  /** The uid/gid the process now runs as, when it switched; null when it stayed as it was. */
  switchedTo: { uid: number; gid: number } | null;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * The first folder that keeps uid/gid out, or null: every folder from / down to `dir` must let
 * it search (x), and `dir` itself grant `bits` (default read+write+search).
 */
export function reachableBy(dir: string, uid: number, gid: number, bits = 0o7): string | null {
  const may = (st: Stats, want: number): boolean => {
    const shift = st.uid === uid ? 6 : st.gid === gid ? 3 : 0;
    return ((st.mode >> shift) & want) === want;
  };
  const real = realpathSync(dir);
  if (!may(statSync(real), bits)) return real;
  for (let d = dirname(real); ; d = dirname(d)) {
    if (!may(statSync(d), 0o1)) return d;
    if (dirname(d) === d) return null;
  }
}

/**
 * Called once per command, right after the configuration is read. `writes`: the command
 * creates or changes files in the folder (refuses when it cannot act as the owner).
 * `command`: how the operator ran it, for the message naming the way that works.
 */
export function actAsDataDirOwner(dataDir: string, opts: { writes: boolean; command: string }): OwnerSwitch {
  if (!isRoot()) return { switchedTo: null };
  let st: Stats;
  try {
    st = statSync(dataDir);
  } catch {
    return { switchedTo: null }; // no folder yet: whoever creates it owns it
  }
  if (st.uid === 0) return { switchedTo: null };
  const blocked = reachableBy(dataDir, st.uid, st.gid);
  const installBlocked = blocked === null ? reachableBy(INSTALL_ROOT, st.uid, st.gid, 0o5) : null;
  // Acting as a user who cannot read the install, a command could load nothing more (a worker
  // thread's modules, package.json for the version): one that only reads stays root, as above;
  // one that writes refuses.
  if (installBlocked !== null) {
    if (!opts.writes) return { switchedTo: null };
    throw new ClickrelayError(
      'CR_ERR_DATA_DIR_OWNER',
      `running as root, and ${dataDir} belongs to uid ${st.uid}, which cannot read this clickrelay install ${INSTALL_ROOT} (${installBlocked} is closed to it): ` +
        `acting as that user, the command could not load the rest of its code. Nothing was opened. Run the install the service runs from ` +
        `(one its user can read, e.g. under /opt or /usr/lib), or start serve so that this command asks it instead`,
    );
  }
  if (blocked !== null) {
    if (!opts.writes) return { switchedTo: null };
    throw new ClickrelayError(
      'CR_ERR_DATA_DIR_OWNER',
      `running as root, and ${dataDir} belongs to uid ${st.uid}, which cannot reach it from here (${blocked} is closed to it). ` +
        `Nothing was opened, so the service's files stay its own. Run it as the service instead: ` +
        `systemd-run --pty --wait --collect -p DynamicUser=yes -p User=clickrelay -p StateDirectory=clickrelay ` +
        `-p LoadCredential=main_system_api_key:/etc/clickrelay/main_system_api_key ${opts.command}`,
    );
  }
  // Supplementary groups first (root's must not follow), the gid while still root, the uid last.
  process.setgroups?.([st.gid]);
  process.setgid!(st.gid);
  process.setuid!(st.uid);
  process.umask(0o077);
  return { switchedTo: { uid: st.uid, gid: st.gid } };
}
