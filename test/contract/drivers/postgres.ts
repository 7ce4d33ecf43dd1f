/**
 * The conformance driver of the PostgreSQL sink: a throwaway cluster with the guide's schema
 * and the README's role (test/support/postgres.ts), crashed with `pg_ctl stop -m immediate`;
 * a referrer longer than the guide's VARCHAR(1000) is the row the database refuses.
 */
import { openClickSink } from '../../../src/main-system/postgres/index.js';
import { DB_PASSWORD, startCluster, type PgCluster } from '../../support/postgres.js';
import { initdb, skipUnless } from '../../support/requires.js';
import { click } from '../../integration/shipper/helpers.js';
import type { SinkDriver } from '../sink-conformance.js';

export function postgresDriver(): SinkDriver {
  let cluster: PgCluster;
  const count = async () => Number((await cluster.admin<{ n: string }>('SELECT count(*) AS n FROM link_clicks')).rows[0]!.n);
  return {
    name: 'postgres',
    skip: () => skipUnless(initdb()),
    secret: DB_PASSWORD,
    async start() {
      cluster = await startCluster();
    },
    destroy: async () => cluster?.destroy(),
    async reset() {
      await cluster.admin('TRUNCATE link_clicks');
    },
    port: () => cluster.port,
    openSink(o = {}) {
      const url = cluster.url.replace(`:${cluster.port}/`, `:${o.port ?? cluster.port}/`);
      return openClickSink({ database_url: url, database_password_file: '', timeout_ms: 2_000 }, 4, { PGPASSWORD: o.wrongSecret ?? DB_PASSWORD });
    },
    storedIds: async () => (await cluster.admin<{ id: string }>('SELECT click_id::text AS id FROM link_clicks')).rows.map((r) => r.id),
    storedCount: count,
    async crash() {
      cluster.crash();
    },
    async revive() {
      cluster.start();
    },
    badClick: () => click('lt_test', { referrer_url: `https://example.com/${'x'.repeat(1_100)}` }),
  };
}
