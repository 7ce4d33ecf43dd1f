/** The privacy notice as Markdown: the default output of `clickrelay privacy-notice`. */
import type { PrivacyNotice } from './privacy-notice.js';

/** Table cells: a pipe would end the cell, a newline the row. */
const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const code = (s: string): string => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

export function renderPrivacyNoticeMarkdown(n: PrivacyNotice): string {
  const out: string[] = [
    '# Privacy notice: tracked-link redirector (clickrelay)',
    '',
    `Generated ${n.generated_at} from the configuration in force (${n.config}).`,
    'It describes what this server records when someone follows a tracked link, in what form, for how long, and where it goes.',
    '',
    ...(n.weakened.length > 0
      ? [
          '## Settings weaker than the defaults',
          '',
          'This server is configured to keep more than clickrelay does by default:',
          '',
          ...n.weakened.map((w) => `- **${code(w.key)} = ${code(JSON.stringify(w.value))}** (default ${code(JSON.stringify(w.default))}): ${w.effect}`),
          '',
        ]
      : []),
    '## What is recorded for each click',
    '',
    '| Field | Stored | In what form | Example (received → stored) |',
    '|---|---|---|---|',
    ...n.fields.map(
      (f) => `| ${code(f.field)} | ${f.stored} | ${cell(f.form)} | ${f.example ? `${cell(code(f.example.received))} → ${cell(code(f.example.stored))}` : ''} |`,
    ),
    '',
    '"unless anonymous": not stored for a click made anonymous by Do Not Track / Global Privacy Control (below).',
    '',
    '## What is never recorded',
    '',
    ...n.never_stored.map((s) => `- ${s}`),
    '',
    '## Do Not Track and Global Privacy Control',
    '',
    n.do_not_track.text,
    '',
    '## Bots and link previews',
    '',
    n.bots,
    '',
    '## Cookies',
    '',
    n.cookies,
    '',
    '## Session identifiers',
    '',
    n.session_ids.text,
    '',
    '## How long',
    '',
    ...n.retention.text.map((s) => `- ${s}`),
    '',
    '## Where it is sent',
    '',
    n.recipients.text,
    '',
    '## Who can see it here',
    '',
    ...n.local_access.map((s) => `- ${s}`),
    '',
    '## Configuration in force',
    '',
    '| Setting | Value |',
    '|---|---|',
    ...Object.entries(n.settings).map(([k, v]) => `| ${code(k)} | ${cell(code(Array.isArray(v) ? JSON.stringify(v) : String(v) || '""'))} |`),
    '',
    'Check that the stored data matches this notice with `clickrelay audit`.',
    '',
  ];
  return out.join('\n');
}
