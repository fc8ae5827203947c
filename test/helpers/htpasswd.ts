/** Writes bcrypt htpasswd files (the only hash the Distribution registry accepts) with the real `htpasswd`. */
import { writeFile } from 'node:fs/promises';
import { run } from './exec.ts';

/** Writes `users` (name → password) to `path` as bcrypt entries made by `htpasswd -Bbn`. */
export async function writeHtpasswd(path: string, users: Record<string, string>): Promise<void> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    lines.push((await run('htpasswd', ['-Bbn', user, password])).trim());
  }
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
}
