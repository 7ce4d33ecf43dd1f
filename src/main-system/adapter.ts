/**
 * Which main-system adapter a configuration selects: a derived fact every command and the
 * service ask here, so "standalone" means the same everywhere.
 */
export type MainSystemAdapter = 'http' | 'postgres' | null;

export function mainSystemAdapter(ms: { base_url: string; database_url?: string }): MainSystemAdapter {
  if (ms.base_url !== '') return 'http';
  if ((ms.database_url ?? '') !== '') return 'postgres';
  return null;
}
