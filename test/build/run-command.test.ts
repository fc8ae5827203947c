/**
 * The process a RUN line becomes (BuildKit's rules): which heredoc lines count as "nothing but
 * one heredoc", which become script files, and how other heredocs are handed to the shell.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Heredoc } from '../../src/build/dockerfile/types.ts';
import { stepCommand } from '../../src/build/run/index.ts';
import { isOciError } from '../../src/errors/index.ts';

const body = (name: string, content: string): Heredoc => ({ name, content, expand: true, chomp: false });

test('a RUN line that is one heredoc and nothing else runs its body; other heredoc lines go to the shell whole', () => {
  const cases: Array<[string, Heredoc[], string[]]> = [
    ['<<EOF', [body('EOF', 'echo a\n')], ['/bin/sh', '-c', 'echo a\n']],
    ['<<-EOF', [body('EOF', 'echo a\n')], ['/bin/sh', '-c', 'echo a\n']],
    ['<<"EOF"', [body('EOF', 'echo $a\n')], ['/bin/sh', '-c', 'echo $a\n']],
    ["  <<'EOF'  ", [body('EOF', 'x\n')], ['/bin/sh', '-c', 'x\n']],
    ['<<EOF cat', [body('EOF', 'x\n')], ['/bin/sh', '-c', '<<EOF cat\nx\nEOF']],
    ['cat <<EOF > /f', [body('EOF', 'x\n')], ['/bin/sh', '-c', 'cat <<EOF > /f\nx\nEOF']],
    ['<<A <<B', [body('A', 'a\n'), body('B', 'b\n')], ['/bin/sh', '-c', '<<A <<B\na\nA\nb\nB']],
  ];
  for (const [command, heredocs, argv] of cases) {
    assert.deepEqual(stepCommand({ form: 'shell', command }, heredocs), { argv, files: [] }, command);
  }
});

test('a lone heredoc starting with #! becomes a read-only script at /dev/pipes/NAME run by SHELL', () => {
  assert.deepEqual(
    stepCommand(
      { form: 'shell', command: '<<run.sh' },
      [body('run.sh', '#!/usr/bin/env python3\nprint(1)\n')],
      ['/bin/bash', '-c'],
    ),
    {
      argv: ['/bin/bash', '-c', '/dev/pipes/run.sh'],
      files: [
        { destination: '/dev/pipes/run.sh', content: '#!/usr/bin/env python3\nprint(1)\n', mode: 0o755 },
      ],
    },
  );
});

test('the exec form is run as written and refuses heredocs and emptiness', () => {
  assert.deepEqual(stepCommand({ form: 'exec', argv: ['echo', '$X'] }), { argv: ['echo', '$X'], files: [] });
  assert.throws(
    () => stepCommand({ form: 'exec', argv: [] }),
    (err) => isOciError(err, 'INVALID_ARGUMENT'),
  );
  assert.throws(
    () => stepCommand({ form: 'exec', argv: ['cat'] }, [body('EOF', 'x\n')]),
    (err) => isOciError(err, 'INVALID_ARGUMENT'),
  );
});
