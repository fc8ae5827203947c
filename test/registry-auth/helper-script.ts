/**
 * Writes `docker-credential-<name>`, a real bash program speaking the credential-helper protocol
 * (get / store / erase / list on stdin and stdout), keeping entries in a file, one per line:
 * `URL<TAB>USER<TAB>SECRET`.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SCRIPT = `#!/bin/bash
set -u
db="$(dirname "$0")/helper-@NAME@.db"
touch "$db"
json_field() { sed -n "s/.*\\"$1\\":\\"\\([^\\"]*\\)\\".*/\\1/p"; }
case "\${1:-}" in
  get)
    url="$(cat)"
    line="$(awk -F '\\t' -v u="$url" '$1 == u { print; exit }' "$db")"
    if [ -z "$line" ]; then echo "credentials not found in native keychain"; exit 1; fi
    user="$(printf '%s' "$line" | cut -f2)"
    secret="$(printf '%s' "$line" | cut -f3)"
    printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "$url" "$user" "$secret"
    ;;
  store)
    input="$(cat)"
    url="$(printf '%s' "$input" | json_field ServerURL)"
    user="$(printf '%s' "$input" | json_field Username)"
    secret="$(printf '%s' "$input" | json_field Secret)"
    if [ "$user" = "fail-store" ]; then echo "cannot store: $input" >&2; exit 1; fi
    awk -F '\\t' -v u="$url" '$1 != u' "$db" > "$db.new"
    printf '%s\\t%s\\t%s\\n' "$url" "$user" "$secret" >> "$db.new"
    mv "$db.new" "$db"
    ;;
  erase)
    url="$(cat)"
    if ! awk -F '\\t' -v u="$url" '$1 == u { found = 1 } END { exit !found }' "$db"; then
      echo "credentials not found in native keychain"; exit 1
    fi
    awk -F '\\t' -v u="$url" '$1 != u' "$db" > "$db.new"
    mv "$db.new" "$db"
    ;;
  *) echo "unknown action" >&2; exit 2 ;;
esac
`;

/** Writes the helper program `docker-credential-<name>` into `binDir`; returns the path of its database. */
export async function writeCredentialHelper(binDir: string, name: string): Promise<string> {
  const path = join(binDir, `docker-credential-${name}`);
  await writeFile(path, SCRIPT.replace('@NAME@', name));
  await chmod(path, 0o755);
  return join(binDir, `helper-${name}.db`);
}
