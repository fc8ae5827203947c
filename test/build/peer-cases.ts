// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile text, not templates.
/**
 * The cases of the buildah comparison, written for this project: each a small Dockerfile with its
 * context and build arguments, covering one rule of the Dockerfile language as BuildKit's
 * frontend defines it. Both tools build each case and must agree (peer-run.ts); `expect` adds
 * what the rule itself says. Where buildah 1.28 departs from BuildKit, `departs` says how and
 * gives BuildKit's result (from the Dockerfile reference), and the case name says so.
 *
 * The base (`@BASE@`, peer-base.ts) is busybox with users root, app (1000:1000) and svc
 * (1500:1600), groups svcgroup (1600) and extra (2000), existing directories /etc, /home/app,
 * /srv/work and /tmp, CMD ["/bin/sh"] and Env PATH and BASE_VAR=from-base.
 */
import {
  configIs,
  filesAre,
  noOnbuildHistory,
  scratchWorkdir,
  withoutTrailingHistory,
  workdirCreates,
} from './peer-departures.ts';
import type { PeerCase } from './peer-run.ts';

/** A Dockerfile from its lines. */
function df(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

const BUILDAH_DEPARTS = '(buildah 1.28 departs; expected from BuildKit docs)';

/** The host's architecture as the automatic TARGETARCH names it (the default target). */
const HOST_ARCH = (
  { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>
)[process.arch];

/** COPY and ADD: sources, wildcards, destinations, owners, modes, archives, .dockerignore. */
export const COPY_CASES: readonly PeerCase[] = [
  {
    name: 'COPY a file to a destination without a trailing slash names the new file',
    dockerfile: df('FROM @BASE@', 'COPY a.txt /dst/renamed.txt'),
    files: { 'a.txt': 'alpha\n' },
    expect: {
      files: { 'dst/renamed.txt': { type: 'file', content: 'alpha\n', mode: '0644' }, 'dst/a.txt': null },
      history: ['COPY'],
    },
  },
  {
    name: 'COPY a file to a destination with a trailing slash puts it inside that directory',
    dockerfile: df('FROM @BASE@', 'COPY a.txt /dst/'),
    files: { 'a.txt': 'alpha\n' },
    expect: { files: { dst: { type: 'directory', mode: '0755' }, 'dst/a.txt': { content: 'alpha\n' } } },
  },
  {
    name: 'COPY a file to an existing directory without a trailing slash puts it inside',
    dockerfile: df('FROM @BASE@', 'COPY a.txt /srv/work'),
    files: { 'a.txt': 'alpha\n' },
    expect: { files: { 'srv/work/a.txt': { content: 'alpha\n' } } },
  },
  {
    name: 'COPY several sources into a directory destination',
    dockerfile: df('FROM @BASE@', 'COPY a.txt b.txt /multi/'),
    files: { 'a.txt': 'alpha\n', 'b.txt': 'beta\n' },
    expect: { files: { 'multi/a.txt': { content: 'alpha\n' }, 'multi/b.txt': { content: 'beta\n' } } },
  },
  {
    name: 'COPY with a wildcard matching one file to a destination without a slash names the file',
    dockerfile: df('FROM @BASE@', 'COPY *.txt /single'),
    files: { 'only.txt': 'only\n' },
    expect: { files: { single: { type: 'file', content: 'only\n' } } },
  },
  {
    name: 'COPY with a * wildcard copies every match and nothing else',
    dockerfile: df('FROM @BASE@', 'COPY *.txt /out/'),
    files: { 'a.txt': 'alpha\n', 'b.txt': 'beta\n', 'c.md': 'gamma\n' },
    expect: { files: { 'out/a.txt': {}, 'out/b.txt': {}, 'out/c.md': null } },
  },
  {
    name: 'COPY with ? and [class] wildcards (Go filepath.Match)',
    dockerfile: df('FROM @BASE@', 'COPY file?.txt [xy]-*.log /out/'),
    files: { 'file1.txt': '1\n', 'file22.txt': '22\n', 'x-a.log': 'x\n', 'z-a.log': 'z\n' },
    expect: {
      files: { 'out/file1.txt': {}, 'out/file22.txt': null, 'out/x-a.log': {}, 'out/z-a.log': null },
    },
  },
  {
    name: 'COPY with a wildcard in a subdirectory',
    dockerfile: df('FROM @BASE@', 'COPY src/*.js /app/'),
    files: { 'src/a.js': 'a\n', 'src/b.js': 'b\n', 'src/c.ts': 'c\n', 'top.js': 't\n' },
    expect: { files: { 'app/a.js': {}, 'app/b.js': {}, 'app/c.ts': null, 'app/top.js': null } },
  },
  {
    name: 'COPY of a directory copies its contents, not the directory itself',
    dockerfile: df('FROM @BASE@', 'COPY dir /out/'),
    files: { 'dir/a.txt': 'a\n', 'dir/sub/b.txt': 'b\n' },
    expect: { files: { 'out/a.txt': {}, 'out/sub/b.txt': {}, 'out/dir': null } },
  },
  {
    name: 'COPY of a directory to a destination without a trailing slash creates it',
    dockerfile: df('FROM @BASE@', 'COPY dir /newdir'),
    files: { 'dir/a.txt': 'a\n', 'dir/sub/b.txt': 'b\n' },
    expect: { files: { newdir: { type: 'directory' }, 'newdir/a.txt': {}, 'newdir/sub/b.txt': {} } },
  },
  {
    name: 'COPY of a directory keeps the modes of its files and subdirectories',
    dockerfile: df('FROM @BASE@', 'COPY dir /out/'),
    files: {
      'dir/run.sh': { content: '#!/bin/sh\n', mode: 0o755 },
      'dir/secret': { content: 's\n', mode: 0o600 },
      'dir/private': { dir: true, mode: 0o700 },
      'dir/private/x': 'x\n',
    },
    expect: {
      files: {
        'out/run.sh': { mode: '0755' },
        'out/secret': { mode: '0600' },
        'out/private': { mode: '0700' },
      },
    },
  },
  {
    name: 'COPY of a directory to a new path creates it 0755, not with the source directory mode',
    dockerfile: df('FROM @BASE@', 'COPY empty /e'),
    files: { empty: { dir: true, mode: 0o700 } },
    expect: { files: { e: { type: 'directory', mode: '0755' } } },
  },
  {
    name: 'COPY with a wildcard matching directories merges their contents',
    dockerfile: df('FROM @BASE@', 'COPY d* /out/'),
    files: { 'd1/a': 'a\n', 'd2/b': 'b\n', dfile: 'f\n' },
    expect: { files: { 'out/a': {}, 'out/b': {}, 'out/dfile': {}, 'out/d1': null } },
  },
  {
    name: `COPY keeps the setuid bit of a file ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'COPY tool /usr/bin/'),
    files: { tool: { content: '#!/bin/sh\n', mode: 0o4755 } },
    departs: {
      why: 'BuildKit copies the whole mode of a file, setuid, setgid and sticky bits included; buildah 1.28 drops the setuid bit',
      correct: filesAre({ 'usr/bin/tool': { mode: '4755' } }),
    },
    expect: { files: { 'usr/bin/tool': { mode: '4755' } } },
  },
  {
    name: 'COPY . copies the whole context (the Dockerfile included)',
    dockerfile: df('FROM @BASE@', 'COPY . /ctx/'),
    files: { 'a.txt': 'a\n', 'sub/b.txt': 'b\n' },
    expect: { files: { 'ctx/a.txt': {}, 'ctx/sub/b.txt': {}, 'ctx/Dockerfile': {} } },
  },
  {
    name: 'COPY to a relative destination resolves against WORKDIR',
    dockerfile: df('FROM @BASE@', 'WORKDIR /srv/work', 'COPY a.txt rel/'),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'srv/work/rel/a.txt': {} }, config: { WorkingDir: '/srv/work' } },
  },
  {
    name: 'COPY to . after WORKDIR puts the file in the working directory',
    dockerfile: df('FROM @BASE@', 'WORKDIR /home/app', 'COPY a.txt .'),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'home/app/a.txt': {} } },
  },
  {
    name: 'COPY of a symbolic link source copies what it points to',
    dockerfile: df('FROM @BASE@', 'COPY link.txt /out/'),
    files: { 'a.txt': 'target\n', 'link.txt': { symlink: 'a.txt' } },
    expect: { files: { 'out/link.txt': { type: 'file', content: 'target\n' } } },
  },
  {
    name: 'COPY of a directory keeps symbolic links inside it as links',
    dockerfile: df('FROM @BASE@', 'COPY dir /out/'),
    files: { 'dir/a.txt': 'a\n', 'dir/link': { symlink: 'a.txt' }, 'dir/abs': { symlink: '/etc/passwd' } },
    expect: {
      files: {
        'out/link': { type: 'symlink', link: 'a.txt' },
        'out/abs': { type: 'symlink', link: '/etc/passwd' },
      },
    },
  },
  {
    name: 'COPY --chown=NAME takes the uid and primary gid from the stage /etc/passwd',
    dockerfile: df('FROM @BASE@', 'COPY --chown=app a.txt /out/'),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'out/a.txt': { owner: '1000:1000' } } },
  },
  {
    name: 'COPY --chown=USER:GROUP resolves both names in the stage',
    dockerfile: df('FROM @BASE@', 'COPY --chown=svc:extra a.txt /out/'),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'out/a.txt': { owner: '1500:2000' } } },
  },
  {
    name: 'COPY --chown=UID:GID takes numeric ids not in /etc/passwd',
    dockerfile: df('FROM @BASE@', 'COPY --chown=1234:5678 a.txt /out/'),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'out/a.txt': { owner: '1234:5678' } } },
  },
  {
    name: 'COPY --chown=NAME:GID mixes a name and a number',
    dockerfile: df('FROM @BASE@', 'COPY --chown=app:1600 a.txt /out/'),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'out/a.txt': { owner: '1000:1600' } } },
  },
  {
    name: 'COPY --chown of a directory owns every copied entry',
    dockerfile: df('FROM @BASE@', 'COPY --chown=svc:svcgroup dir /srv/work/'),
    files: { 'dir/a.txt': 'a\n', 'dir/sub/b.txt': 'b\n' },
    expect: {
      files: {
        'srv/work/a.txt': { owner: '1500:1600' },
        'srv/work/sub': { owner: '1500:1600' },
        'srv/work/sub/b.txt': { owner: '1500:1600' },
      },
    },
  },
  {
    name: 'COPY --chown names are looked up in the stage as it is, after an earlier COPY of /etc/passwd',
    dockerfile: df(
      'FROM @BASE@',
      'COPY passwd group /etc/',
      'COPY --chown=newuser:newgroup a.txt /owned.txt',
    ),
    files: {
      passwd: 'root:x:0:0:root:/root:/bin/sh\nnewuser:x:3000:3100::/:/bin/sh\n',
      group: 'root:x:0:\nnewgroup:x:3200:\n',
      'a.txt': 'a\n',
    },
    expect: { files: { 'owned.txt': { owner: '3000:3200' } } },
  },
  {
    name: 'COPY --chmod sets the mode of a copied file',
    dockerfile: df('FROM @BASE@', 'COPY --chmod=0640 a.txt /srv/work/'),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'srv/work/a.txt': { mode: '0640' }, 'srv/work': { mode: '0755' } } },
  },
  {
    name: `COPY --chmod also gives its mode to the directories it creates ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'COPY --chmod=0750 a.txt /made/here/'),
    files: { 'a.txt': 'a\n' },
    departs: {
      why: 'BuildKit creates the missing parents of the destination with the --chmod mode (moby/buildkit#4945, fixed in tonistiigi/fsutil#228; discussed in moby/buildkit#5943); buildah 1.28 creates them 0755',
      correct: filesAre({ made: { mode: '0750' }, 'made/here': { mode: '0750' } }),
    },
    expect: {
      files: { made: { mode: '0750' }, 'made/here': { mode: '0750' }, 'made/here/a.txt': { mode: '0750' } },
    },
  },
  {
    name: 'COPY --chmod sets the mode of every file of a copied directory',
    dockerfile: df('FROM @BASE@', 'COPY --chmod=755 dir /out/'),
    files: { 'dir/a.txt': 'a\n', 'dir/b.sh': { content: 'b\n', mode: 0o700 } },
    expect: { files: { 'out/a.txt': { mode: '0755' }, 'out/b.sh': { mode: '0755' } } },
  },
  {
    name: 'COPY --from=IMAGE copies from another image',
    dockerfile: df('FROM @BASE@', 'COPY --from=@BASE@ /etc/group /copied/group'),
    expect: { files: { 'copied/group': { type: 'file' } } },
  },
  {
    name: 'ADD extracts a local tar archive into the destination',
    dockerfile: df('FROM @BASE@', 'ADD plain.tar /x/'),
    files: { 'plain.tar': { tar: { 'p/one.txt': 'one\n', 'top.txt': 'top\n' }, compress: 'none' } },
    expect: { files: { 'x/p/one.txt': { content: 'one\n' }, 'x/top.txt': {}, 'x/plain.tar': null } },
  },
  {
    name: 'ADD extracts a gzip-compressed tar archive',
    dockerfile: df('FROM @BASE@', 'ADD archive.tar.gz /x/'),
    files: { 'archive.tar.gz': { tar: { 'g/one.txt': 'gzip\n' }, compress: 'gzip' } },
    expect: { files: { 'x/g/one.txt': { content: 'gzip\n' } } },
  },
  {
    name: 'ADD extracts a bzip2-compressed tar archive',
    dockerfile: df('FROM @BASE@', 'ADD archive.tar.bz2 /x/'),
    files: { 'archive.tar.bz2': { tar: { 'b/one.txt': 'bzip2\n' }, compress: 'bzip2' } },
    expect: { files: { 'x/b/one.txt': { content: 'bzip2\n' } } },
  },
  {
    name: 'ADD extracts an xz-compressed tar archive',
    dockerfile: df('FROM @BASE@', 'ADD archive.txz /x/'),
    files: { 'archive.txz': { tar: { 'z/one.txt': 'xz\n' }, compress: 'xz' } },
    expect: { files: { 'x/z/one.txt': { content: 'xz\n' } } },
  },
  {
    name: 'ADD extracts a zstd-compressed tar archive',
    dockerfile: df('FROM @BASE@', 'ADD archive.tar.zst /x/'),
    files: { 'archive.tar.zst': { tar: { 'z/one.txt': 'zstd\n' }, compress: 'zstd' } },
    expect: { files: { 'x/z/one.txt': { content: 'zstd\n' } } },
  },
  {
    name: `ADD --chown owns every entry extracted from an archive ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'ADD --chown=app:extra owned.tgz /x/'),
    files: { 'owned.tgz': { tar: { 'z/one.txt': 'z\n' }, compress: 'gzip', owner: '1234:5678' } },
    departs: {
      why: "BuildKit extracts with the --chown user as every entry's owner; buildah 1.28 owns only the destination and keeps the owners recorded in the archive",
      correct: filesAre({ 'x/z': { owner: '1000:2000' }, 'x/z/one.txt': { owner: '1000:2000' } }),
    },
    expect: {
      files: {
        x: { owner: '1000:2000' },
        'x/z': { owner: '1000:2000' },
        'x/z/one.txt': { owner: '1000:2000' },
      },
    },
  },
  {
    name: 'ADD keeps the owners and modes recorded in the archive',
    dockerfile: df('FROM @BASE@', 'ADD owned.tar.gz /x/'),
    files: {
      'owned.tar.gz': {
        tar: { 'bin/tool': '#!/bin/sh\n', 'conf/app.conf': 'k=v\n' },
        compress: 'gzip',
        owner: '1234:5678',
        modes: { 'bin/tool': 0o750, 'conf/app.conf': 0o600 },
      },
    },
    expect: {
      files: {
        'x/bin/tool': { owner: '1234:5678', mode: '0750' },
        'x/conf/app.conf': { owner: '1234:5678', mode: '0600' },
      },
    },
  },
  {
    name: 'ADD of a file that is not an archive copies it as it is',
    dockerfile: df('FROM @BASE@', 'ADD notes.tar.gz data.bin /x/'),
    files: { 'notes.tar.gz': 'not really gzip\n', 'data.bin': { content: 'bin\n', mode: 0o600 } },
    expect: {
      files: { 'x/notes.tar.gz': { content: 'not really gzip\n' }, 'x/data.bin': { mode: '0600' } },
    },
  },
  {
    name: 'COPY never extracts an archive',
    dockerfile: df('FROM @BASE@', 'COPY archive.tar.gz /x/'),
    files: { 'archive.tar.gz': { tar: { 'g/one.txt': 'gzip\n' }, compress: 'gzip' } },
    expect: { files: { 'x/archive.tar.gz': { type: 'file' }, 'x/g': null } },
  },
  {
    name: 'ADD --chown of a local file',
    dockerfile: df('FROM @BASE@', 'ADD --chown=app:extra a.txt /x/'),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'x/a.txt': { owner: '1000:2000' } } },
  },
  {
    name: 'COPY destination expands variables from ENV',
    dockerfile: df('FROM @BASE@', 'ENV DEST=/opt/app', 'COPY a.txt $DEST/', 'COPY b.txt ${DEST}/b-copy.txt'),
    files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
    expect: { files: { 'opt/app/a.txt': {}, 'opt/app/b-copy.txt': { content: 'b\n' } } },
  },
  {
    name: 'COPY source and flags expand ${V:-default} and ARG values',
    dockerfile: df('FROM @BASE@', 'ARG WHO=svc', 'COPY --chown=${WHO} ${SRC:-a.txt} /out/${NAME:-x}.txt'),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'out/x.txt': { content: 'a\n', owner: '1500:1600' } } },
  },
  {
    name: `COPY with a wildcard that matches nothing, beside one that matches ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'COPY a.txt missing-*.txt /out/'),
    files: { 'a.txt': 'a\n' },
    departs: {
      why: 'BuildKit allows a wildcard source to match nothing (the reference: "For files and directories that do not exist, the build fails" applies to names without wildcards); buildah 1.28 fails with "no items matching glob"',
      dockerfile: df('FROM @BASE@', 'COPY a.txt /out/'),
    },
    expect: { files: { 'out/a.txt': {} } },
  },
  {
    name: `COPY from a heredoc writes its text as a file ${BUILDAH_DEPARTS}`,
    dockerfile: df(
      '# syntax=docker/dockerfile:1',
      'FROM @BASE@',
      'ARG WHO=world',
      'COPY <<EOF /etc/greeting',
      'hello $WHO',
      'EOF',
    ),
    departs: {
      why: 'buildah 1.28 has no heredocs; BuildKit writes the body (variables expanded, as the delimiter is unquoted) as a file with mode 0644',
      dockerfile: df('FROM @BASE@', 'ARG WHO=world', 'COPY greeting /etc/greeting'),
      files: { greeting: 'hello world\n' },
    },
    expect: { files: { 'etc/greeting': { content: 'hello world\n', mode: '0644', owner: '0:0' } } },
  },
  {
    name: `COPY from a heredoc with a quoted delimiter does not expand ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'ENV NAME=world', "COPY <<'EOT' /motd", 'hi $NAME', 'EOT'),
    departs: {
      why: 'buildah 1.28 has no heredocs; BuildKit leaves the body of a quoted delimiter unexpanded',
      dockerfile: df('FROM @BASE@', 'ENV NAME=world', 'COPY motd /motd'),
      files: { motd: 'hi $NAME\n' },
    },
    expect: { files: { motd: { content: 'hi $NAME\n' } } },
  },
  {
    name: `COPY --link gives the same image as a plain COPY ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'COPY --link a.txt /linked/'),
    files: { 'a.txt': 'a\n' },
    departs: {
      why: 'buildah 1.28 does not know --link; BuildKit documents that --link changes how the layer is made, not the files in it',
      dockerfile: df('FROM @BASE@', 'COPY a.txt /linked/'),
    },
    expect: { files: { 'linked/a.txt': { content: 'a\n' } } },
  },
  {
    name: `COPY --parents keeps the source's parent directories ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'COPY --parents ./src/a/*.txt ./src/b/one.txt /app/'),
    files: { 'src/a/x.txt': 'x\n', 'src/a/y.md': 'y\n', 'src/b/one.txt': 'one\n' },
    departs: {
      why: 'buildah 1.28 has no --parents; BuildKit keeps each source path relative to the context below the destination',
      dockerfile: df('FROM @BASE@', 'COPY src/a/x.txt /app/src/a/', 'COPY src/b/one.txt /app/src/b/'),
      correct: (buildah) => ({
        ...buildah,
        layers: buildah.layers - 1,
        history: buildah.history.slice(0, -1),
      }),
    },
    expect: { files: { 'app/src/a/x.txt': {}, 'app/src/a/y.md': null, 'app/src/b/one.txt': {} } },
  },
  {
    name: `COPY --exclude leaves out what the patterns match ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'COPY --exclude=*.md --exclude=sub/skip dir /out/'),
    files: { 'dir/a.txt': 'a\n', 'dir/b.md': 'b\n', 'dir/sub/keep': 'k\n', 'dir/sub/skip': 's\n' },
    departs: {
      why: 'buildah 1.28 has no --exclude; BuildKit leaves out the paths the patterns match (.dockerignore syntax)',
      dockerfile: df('FROM @BASE@', 'COPY dir /out/'),
      files: { 'dir/a.txt': 'a\n', 'dir/sub/keep': 'k\n' },
    },
    expect: { files: { 'out/a.txt': {}, 'out/b.md': null, 'out/sub/keep': {}, 'out/sub/skip': null } },
  },
  {
    name: '.dockerignore leaves matching files out of the context',
    dockerfile: df('FROM @BASE@', 'COPY . /ctx/'),
    files: { '.dockerignore': '*.log\ntmp\n', 'a.txt': 'a\n', 'debug.log': 'l\n', 'tmp/t': 't\n' },
    expect: { files: { 'ctx/a.txt': {}, 'ctx/debug.log': null, 'ctx/tmp': null } },
  },
  {
    name: '.dockerignore: a later ! pattern brings a file back',
    dockerfile: df('FROM @BASE@', 'COPY . /ctx/'),
    files: { '.dockerignore': '*.md\n!README.md\n', 'README.md': 'r\n', 'NOTES.md': 'n\n', 'a.txt': 'a\n' },
    expect: { files: { 'ctx/README.md': {}, 'ctx/NOTES.md': null } },
  },
  {
    name: '.dockerignore: ** matches at any depth',
    dockerfile: df('FROM @BASE@', 'COPY . /ctx/'),
    files: {
      '.dockerignore': '**/*.tmp\n',
      'a.tmp': '1\n',
      'd/b.tmp': '2\n',
      'd/e/c.tmp': '3\n',
      'd/e/keep.txt': 'k\n',
    },
    expect: {
      files: { 'ctx/a.tmp': null, 'ctx/d/b.tmp': null, 'ctx/d/e/c.tmp': null, 'ctx/d/e/keep.txt': {} },
    },
  },
  {
    name: '.dockerignore: an excluded directory with one file re-included',
    dockerfile: df('FROM @BASE@', 'COPY . /ctx/'),
    files: { '.dockerignore': 'docs\n!docs/keep.txt\n', 'docs/keep.txt': 'k\n', 'docs/drop.txt': 'd\n' },
    expect: { files: { 'ctx/docs/keep.txt': {}, 'ctx/docs/drop.txt': null } },
  },
  {
    name: '<Dockerfile>.dockerignore beside the Dockerfile wins over .dockerignore',
    dockerfileName: 'app.Dockerfile',
    dockerfile: df('FROM @BASE@', 'COPY . /ctx/'),
    files: {
      'app.Dockerfile.dockerignore': '*.txt\n',
      '.dockerignore': '*.md\n',
      'a.txt': 'a\n',
      'b.md': 'b\n',
    },
    expect: { files: { 'ctx/a.txt': null, 'ctx/b.md': {} } },
  },
  {
    name: '.dockerignore may leave out the Dockerfile and itself (the build still reads them)',
    dockerfile: df('FROM @BASE@', 'COPY . /ctx/'),
    files: { '.dockerignore': 'Dockerfile\n.dockerignore\n', 'a.txt': 'a\n' },
    expect: { files: { 'ctx/a.txt': {}, 'ctx/Dockerfile': null, 'ctx/.dockerignore': null } },
  },
  {
    name: '.dockerignore applies to a named source too',
    dockerfile: df('FROM @BASE@', 'COPY dir /out/'),
    files: { '.dockerignore': 'dir/*.bak\n', 'dir/a.txt': 'a\n', 'dir/a.bak': 'b\n' },
    expect: { files: { 'out/a.txt': {}, 'out/a.bak': null } },
  },
];

/** ENV, ARG, LABEL, EXPOSE, VOLUME, WORKDIR, USER, SHELL, CMD, ENTRYPOINT, and the rest of the config. */
export const CONFIG_CASES: readonly PeerCase[] = [
  {
    name: 'ENV KEY=VALUE pairs, quoted values and escapes',
    dockerfile: df('FROM @BASE@', 'ENV A=1 B="two words" C=three\\ words D=\'$A kept\''),
    expect: {
      config: {
        Env: [
          'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          'BASE_VAR=from-base',
          'A=1',
          'B=two words',
          'C=three words',
          'D=$A kept',
        ],
      },
      history: ['ENV'],
    },
  },
  {
    name: 'ENV in the legacy KEY VALUE form takes the rest of the line',
    dockerfile: df('FROM @BASE@', 'ENV GREETING hello there  world'),
    expect: {
      config: {
        Env: [
          'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          'BASE_VAR=from-base',
          'GREETING=hello there  world',
        ],
      },
    },
  },
  {
    name: 'ENV pairs of one instruction see the values from before it',
    dockerfile: df('FROM @BASE@', 'ENV A=old', 'ENV A=new B=$A C=${BASE_VAR}'),
    expect: {
      config: {
        Env: [
          'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          'BASE_VAR=from-base',
          'A=new',
          'B=old',
          'C=from-base',
        ],
      },
    },
  },
  {
    name: 'ENV replaces the value of an inherited variable',
    dockerfile: df('FROM @BASE@', 'ENV BASE_VAR=changed'),
    expect: {
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'BASE_VAR=changed'],
      },
    },
  },
  {
    name: `ENV replaces an inherited variable in its place in the list ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'ENV PATH=/opt/bin:$PATH'),
    departs: {
      why: "BuildKit's ENV replaces an existing entry where it is (dockerfile2llb addEnv); buildah 1.28 removes it and appends it",
      correct: configIs({
        Env: [
          'PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          'BASE_VAR=from-base',
        ],
      }),
    },
    expect: {
      config: {
        Env: [
          'PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          'BASE_VAR=from-base',
        ],
      },
    },
  },
  {
    name: 'ARG default is used in later instructions and not stored in Env',
    dockerfile: df(
      'FROM @BASE@',
      'ARG VERSION=1.2.3',
      'ENV APP_VERSION=$VERSION',
      'LABEL version=${VERSION}',
    ),
    expect: { config: { Labels: { version: '1.2.3' } }, history: ['ARG', 'ENV', 'LABEL'] },
  },
  {
    name: '--build-arg overrides an ARG default',
    dockerfile: df('FROM @BASE@', 'ARG VERSION=1.2.3', 'ENV APP_VERSION=$VERSION'),
    buildArgs: { VERSION: '9.9' },
  },
  {
    name: '--build-arg gives a value to an ARG without default',
    dockerfile: df('FROM @BASE@', 'ARG FLAVOUR', 'ENV FLAVOUR_USED=${FLAVOUR:-none}'),
    buildArgs: { FLAVOUR: 'spicy' },
  },
  {
    name: 'one ARG instruction declares several arguments',
    dockerfile: df('FROM @BASE@', 'ARG A=1 B=2', 'ENV AB=$A$B'),
    expect: { history: ['ARG', 'ENV'] },
  },
  {
    name: 'an ARG without default or --build-arg expands to nothing',
    dockerfile: df('FROM @BASE@', 'ARG UNSET', 'ENV X=[$UNSET] Y=${UNSET:-fallback}'),
  },
  {
    name: 'ARGs before the first FROM are not in scope in a stage until declared again',
    dockerfile: df(
      'ARG GLOBAL=outside',
      'FROM @BASE@',
      'ENV BEFORE=[$GLOBAL]',
      'ARG GLOBAL',
      'ENV AFTER=[$GLOBAL]',
    ),
  },
  {
    name: 'an ARG before FROM is used in the FROM line',
    dockerfile: df('ARG IMAGE=@BASE@', 'FROM ${IMAGE}', 'ENV FROM_ARG=yes'),
  },
  {
    name: 'an ENV after an ARG of the same name wins over the ARG and --build-arg',
    dockerfile: df('FROM @BASE@', 'ARG MODE=arg', 'ENV MODE=env', 'LABEL mode=$MODE'),
    buildArgs: { MODE: 'cli' },
    expect: { config: { Labels: { mode: 'env' } } },
  },
  {
    name: `an ARG declared after an ENV of the same name takes its --build-arg value ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'ENV MODE=env', 'ARG MODE=arg', 'LABEL mode=$MODE'),
    buildArgs: { MODE: 'cli' },
    departs: {
      why: 'BuildKit lets an ARG declared after an ENV of the same name set the value later instructions see (the reference: ENV overrides an ARG declared before it); buildah 1.28 keeps the ENV value',
      correct: configIs({ Labels: { mode: 'cli' } }),
    },
    expect: { config: { Labels: { mode: 'cli' } } },
  },
  {
    name: 'the automatic platform ARGs (TARGETPLATFORM, TARGETOS, TARGETARCH, BUILDPLATFORM, ...)',
    dockerfile: df(
      'FROM @BASE@',
      'ARG TARGETPLATFORM',
      'ARG TARGETOS',
      'ARG TARGETARCH',
      'ARG TARGETVARIANT',
      'ARG BUILDPLATFORM',
      'ARG BUILDOS',
      'ARG BUILDARCH',
      'ENV T=$TARGETPLATFORM OS=$TARGETOS ARCH=$TARGETARCH V=[$TARGETVARIANT] B=$BUILDPLATFORM BO=$BUILDOS BA=$BUILDARCH',
    ),
  },
  {
    name: 'FROM --platform=$BUILDPLATFORM takes the automatic platform ARG',
    dockerfile: df('FROM --platform=$BUILDPLATFORM @BASE@', 'ARG TARGETARCH', 'ENV ARCH=$TARGETARCH'),
  },
  {
    name: 'LABEL with several pairs, quotes, spaces and expansion',
    dockerfile: df(
      'FROM @BASE@',
      'ENV OWNER=team',
      'LABEL a=1 "com.example.key"="quoted value" b=with\\ space',
      'LABEL owner=$OWNER multi="line \\',
      'continued"',
    ),
    expect: {
      config: {
        Labels: {
          a: '1',
          'com.example.key': 'quoted value',
          b: 'with space',
          owner: 'team',
          multi: 'line continued',
        },
      },
      history: ['ENV', 'LABEL', 'LABEL'],
    },
  },
  {
    name: 'EXPOSE forms: a port, a protocol, several, a variable',
    dockerfile: df('FROM @BASE@', 'ENV P=9000', 'EXPOSE 80 443/tcp', 'EXPOSE 53/udp ${P}/tcp'),
    expect: { config: { ExposedPorts: ['443/tcp', '53/udp', '80/tcp', '9000/tcp'] } },
  },
  {
    name: `EXPOSE of a port range exposes each port ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'EXPOSE 8000-8002/udp 7000'),
    departs: {
      why: "BuildKit's EXPOSE expands a range into one entry per port; buildah 1.28 stores the range as one key",
      correct: configIs({ ExposedPorts: ['7000/tcp', '8000/udp', '8001/udp', '8002/udp'] }),
    },
    expect: { config: { ExposedPorts: ['7000/tcp', '8000/udp', '8001/udp', '8002/udp'] } },
  },
  {
    name: 'VOLUME in JSON form and in plain form with several paths',
    dockerfile: df('FROM @BASE@', 'VOLUME ["/data", "/var/log"]', 'VOLUME /cache /tmp/x'),
    expect: { config: { Volumes: ['/cache', '/data', '/tmp/x', '/var/log'] } },
  },
  {
    name: 'WORKDIR on an existing directory sets the working directory',
    dockerfile: df('FROM @BASE@', 'WORKDIR /srv/work'),
    expect: { config: { WorkingDir: '/srv/work' } },
  },
  {
    name: `WORKDIR creates a missing directory, and relative ones chain ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'WORKDIR /a', 'WORKDIR b', 'WORKDIR c/d'),
    departs: {
      why: 'BuildKit creates each missing WORKDIR (mode 0755, in a layer); buildah 1.28 records WORKDIR as an empty layer and creates nothing',
      correct: workdirCreates([['a'], ['a/b'], ['a/b/c', 'a/b/c/d']]),
    },
    expect: { config: { WorkingDir: '/a/b/c/d' }, files: { 'a/b/c/d': { type: 'directory', mode: '0755' } } },
  },
  {
    name: `WORKDIR after USER creates the directory owned by that user ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'USER app', 'WORKDIR /home/app/project'),
    departs: {
      why: 'BuildKit creates a missing WORKDIR as the current USER; buildah 1.28 creates nothing',
      correct: workdirCreates([['home/app/project']], '1000:1000'),
    },
    expect: { files: { 'home/app/project': { owner: '1000:1000' } } },
  },
  {
    name: 'WORKDIR expands variables and ${V:-w}',
    dockerfile: df('FROM @BASE@', 'ENV ROOT=/srv', 'WORKDIR $ROOT/${SUB:-work}'),
    expect: { config: { WorkingDir: '/srv/work' } },
  },
  {
    name: 'USER by name',
    dockerfile: df('FROM @BASE@', 'USER app'),
    expect: { config: { User: 'app' } },
  },
  {
    name: 'USER uid:gid, expanded',
    dockerfile: df('FROM @BASE@', 'ARG UID=1234', 'USER ${UID}:5678'),
    expect: { config: { User: '1234:5678' } },
  },
  {
    name: 'CMD in exec form is stored as given',
    dockerfile: df('FROM @BASE@', 'CMD ["echo", "hello world"]'),
    expect: { config: { Cmd: ['echo', 'hello world'] } },
  },
  {
    name: 'CMD in shell form runs under /bin/sh -c',
    dockerfile: df('FROM @BASE@', 'CMD echo "$HOME" && ls'),
    expect: { config: { Cmd: ['/bin/sh', '-c', 'echo "$HOME" && ls'] } },
  },
  {
    name: 'SHELL is stored in the config',
    dockerfile: df('FROM @BASE@', 'SHELL ["/bin/ash", "-eo", "pipefail", "-c"]'),
    expect: { config: { Shell: ['/bin/ash', '-eo', 'pipefail', '-c'] } },
  },
  {
    name: `SHELL changes the shell of a later shell-form CMD ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'SHELL ["/bin/ash", "-eo", "pipefail", "-c"]', 'CMD echo hi'),
    departs: {
      why: 'the reference: SHELL sets the shell of the shell form of RUN, CMD and ENTRYPOINT; buildah 1.28 stores a shell-form CMD under /bin/sh -c',
      correct: configIs({ Cmd: ['/bin/ash', '-eo', 'pipefail', '-c', 'echo hi'] }),
    },
    expect: {
      config: {
        Shell: ['/bin/ash', '-eo', 'pipefail', '-c'],
        Cmd: ['/bin/ash', '-eo', 'pipefail', '-c', 'echo hi'],
      },
    },
  },
  {
    name: 'ENTRYPOINT clears the CMD inherited from the base',
    dockerfile: df('FROM @BASE@', 'ENTRYPOINT ["/bin/echo"]'),
    expect: { config: { Entrypoint: ['/bin/echo'], Cmd: undefined } },
  },
  {
    name: 'ENTRYPOINT keeps a CMD set earlier in the same stage',
    dockerfile: df('FROM @BASE@', 'CMD ["default-arg"]', 'ENTRYPOINT ["/bin/echo"]'),
    expect: { config: { Entrypoint: ['/bin/echo'], Cmd: ['default-arg'] } },
  },
  {
    name: 'ENTRYPOINT in shell form runs under /bin/sh -c',
    dockerfile: df('FROM @BASE@', 'ENTRYPOINT exec /bin/echo "a b"'),
    expect: { config: { Entrypoint: ['/bin/sh', '-c', 'exec /bin/echo "a b"'] } },
  },
  {
    name: 'STOPSIGNAL by name and by expansion',
    dockerfile: df('FROM @BASE@', 'ARG SIG=SIGQUIT', 'STOPSIGNAL $SIG'),
    expect: { config: { StopSignal: 'SIGQUIT' } },
  },
  {
    name: 'HEALTHCHECK with every option',
    dockerfile: df(
      'FROM @BASE@',
      'HEALTHCHECK --interval=30s --timeout=5s --start-period=1m30s --retries=4 CMD ["/bin/true"]',
    ),
    expect: {
      config: {
        Healthcheck: {
          Test: ['CMD', '/bin/true'],
          Interval: 30_000_000_000,
          Timeout: 5_000_000_000,
          StartPeriod: 90_000_000_000,
          Retries: 4,
        },
      },
    },
  },
  {
    name: 'HEALTHCHECK in shell form is stored as CMD-SHELL',
    dockerfile: df('FROM @BASE@', 'HEALTHCHECK CMD wget -q localhost || exit 1'),
    expect: { config: { Healthcheck: { Test: ['CMD-SHELL', 'wget -q localhost || exit 1'] } } },
  },
  {
    name: `HEALTHCHECK --start-interval is stored ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'HEALTHCHECK --start-interval=2s CMD true'),
    departs: {
      why: 'buildah 1.28 does not know --start-interval; BuildKit stores it in nanoseconds as StartInterval',
      dockerfile: df('FROM @BASE@', 'HEALTHCHECK CMD true'),
      correct: configIs({ Healthcheck: { Test: ['CMD-SHELL', 'true'], StartInterval: 2_000_000_000 } }),
    },
    expect: { config: { Healthcheck: { Test: ['CMD-SHELL', 'true'], StartInterval: 2_000_000_000 } } },
  },
  {
    name: 'HEALTHCHECK NONE after a check',
    dockerfile: df('FROM @BASE@', 'HEALTHCHECK CMD true', 'HEALTHCHECK NONE'),
    expect: { config: { Healthcheck: { Test: ['NONE'] } } },
  },
  {
    name: `ONBUILD triggers are stored in the config, not run ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'ONBUILD COPY a.txt /onbuild/', 'onbuild env TRIGGERED=1'),
    files: { 'a.txt': 'a\n' },
    departs: {
      why: 'BuildKit stores ONBUILD triggers without a history entry; buildah 1.28 writes one per trigger',
      correct: noOnbuildHistory,
    },
    expect: {
      config: { OnBuild: ['COPY a.txt /onbuild/', 'env TRIGGERED=1'] },
      files: { onbuild: null },
      history: [],
    },
  },
  {
    name: `LABEL sets labels, and --label sets more and overrides the Dockerfile ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'LABEL a=from-dockerfile b=from-dockerfile'),
    labels: { b: 'from-command-line', c: 'added' },
    departs: {
      why: 'BuildKit sets the labels of the build options on the result without history entries; buildah 1.28 writes a LABEL entry per label',
      correct: withoutTrailingHistory('LABEL', 2),
    },
    expect: { config: { Labels: { a: 'from-dockerfile', b: 'from-command-line', c: 'added' } } },
  },
  {
    name: 'MAINTAINER sets the author',
    dockerfile: df('FROM @BASE@', 'MAINTAINER Jane Doe <jane@example.com>'),
    expect: { config: { author: 'Jane Doe <jane@example.com>' } },
  },
  {
    name: 'the escape directive makes ` the line continuation',
    dockerfile: df('# escape=`', 'FROM @BASE@', 'LABEL a=1 `', '    b=2'),
    expect: { config: { Labels: { a: '1', b: '2' } } },
  },
  {
    name: `with escape=\` a backslash in a value is kept ${BUILDAH_DEPARTS}`,
    dockerfile: df('# escape=`', 'FROM @BASE@', 'ENV WIN=C:\\dir\\sub'),
    departs: {
      why: 'BuildKit expands words with the escape character the directive names, so a backslash is an ordinary character; buildah 1.28 still drops it',
      correct: configIs({
        Env: [
          'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          'BASE_VAR=from-base',
          'WIN=C:\\dir\\sub',
        ],
      }),
    },
    expect: {
      config: {
        Env: [
          'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          'BASE_VAR=from-base',
          'WIN=C:\\dir\\sub',
        ],
      },
    },
  },
  {
    name: 'expansion operators ${V:+w} and ${V:-w} in ENV',
    dockerfile: df(
      'FROM @BASE@',
      'ENV FILE=archive.tar.gz EMPTY=',
      'ENV ALT=${FILE:+set} NOALT=[${UNSET:+set}] COLON=${EMPTY:-used} UNSET_COLON=${UNSET:-dflt}',
    ),
  },
  {
    name: `expansion operators \${V#p} \${V%%p} \${V/p/r} \${V-w} \${V+w} in ENV ${BUILDAH_DEPARTS}`,
    dockerfile: df(
      'FROM @BASE@',
      'ENV FILE=archive.tar.gz EMPTY=',
      'ENV PREFIX=${FILE#*.} SUFFIX=${FILE%%.*} SHORT=${FILE%.*} SUB=${FILE/tar/zip} DASH=[${EMPTY-unused}] PLUS=${EMPTY+set}',
    ),
    departs: {
      why: 'buildah 1.28 knows neither the #, % and / operators nor - and + without a colon; BuildKit removes the shortest or longest matching prefix or suffix, replaces the first match, and tests only whether the variable is set',
      dockerfile: df(
        'FROM @BASE@',
        'ENV FILE=archive.tar.gz EMPTY=',
        'ENV PREFIX=tar.gz SUFFIX=archive SHORT=archive.tar SUB=archive.zip.gz DASH=[] PLUS=set',
      ),
    },
  },
  {
    name: 'quoting: single quotes keep $, double quotes expand, backslash escapes $',
    dockerfile: df(
      'FROM @BASE@',
      'ENV V=val',
      'LABEL single=\'$V\' double="$V" escaped=\\$V mixed="a\'$V\'b" alt=${V:+set}',
    ),
    expect: {
      config: { Labels: { single: '$V', double: 'val', escaped: '$V', mixed: "a'val'b", alt: 'set' } },
    },
  },
  {
    name: 'instruction keywords are case-insensitive; continuation lines and comments',
    dockerfile: df(
      'from @BASE@',
      '# a comment',
      'copy a.txt \\',
      '  # a comment inside the continuation',
      '  /lower/',
      'Env K=v',
    ),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'lower/a.txt': {} } },
  },
  {
    name: 'an empty line inside a continuation is skipped',
    dockerfile: df('FROM @BASE@', 'LABEL a=1 \\', '', '  b=2'),
    expect: { config: { Labels: { a: '1', b: '2' } } },
  },
  {
    name: `FROM scratch with COPY only gives working directory / ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM scratch', 'COPY a.txt /'),
    files: { 'a.txt': 'a\n' },
    departs: {
      why: "BuildKit's empty image has WorkingDir / ; buildah 1.28 leaves it unset",
      correct: scratchWorkdir,
    },
    expect: {
      config: { WorkingDir: '/', Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    },
  },
];

/** Several stages: --target, stages by name and index, FROM a stage, ONBUILD of a stage. */
export const STAGE_CASES: readonly PeerCase[] = [
  {
    name: 'COPY --from=NAME copies from an earlier stage',
    dockerfile: df(
      'FROM @BASE@ AS builder',
      'COPY a.txt /build/out.txt',
      'FROM @BASE@',
      'COPY --from=builder /build/out.txt /app/',
    ),
    files: { 'a.txt': 'built\n' },
    expect: { files: { 'app/out.txt': { content: 'built\n' }, build: null } },
  },
  {
    name: 'COPY --from=INDEX names a stage by its number',
    dockerfile: df(
      'FROM @BASE@',
      'COPY a.txt /zero.txt',
      'FROM @BASE@',
      'COPY --from=0 /zero.txt /from-zero.txt',
    ),
    files: { 'a.txt': 'zero\n' },
    expect: { files: { 'from-zero.txt': { content: 'zero\n' }, 'zero.txt': null } },
  },
  {
    name: 'COPY --from a stage copies a directory with owners and modes as they are there',
    dockerfile: df(
      'FROM @BASE@ AS files',
      'COPY --chown=app:app --chmod=0750 dir /made/',
      'FROM @BASE@',
      'COPY --from=files /made /copied',
    ),
    files: { 'dir/a.txt': 'a\n', 'dir/s/b.txt': 'b\n' },
    expect: { files: { 'copied/a.txt': { owner: '1000:1000', mode: '0750' } } },
  },
  {
    name: 'COPY --from=STAGE with a wildcard source',
    dockerfile: df(
      'FROM @BASE@ AS build',
      'COPY *.txt /build/',
      'FROM @BASE@',
      'COPY --from=build /build/*.txt /out/',
    ),
    files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
    expect: { files: { 'out/a.txt': {}, 'out/b.txt': {} } },
  },
  {
    name: 'COPY --from with --chown takes the owner from the destination stage',
    dockerfile: df(
      'FROM @BASE@ AS files',
      'COPY a.txt /a.txt',
      'FROM @BASE@',
      'COPY --from=files --chown=svc /a.txt /owned.txt',
    ),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'owned.txt': { owner: '1500:1600' } } },
  },
  {
    name: 'FROM an earlier stage inherits its files and config',
    dockerfile: df(
      'FROM @BASE@ AS base',
      'ENV STAGE=base',
      'COPY a.txt /base.txt',
      'FROM base',
      'ENV CHILD=yes',
      'COPY b.txt /child.txt',
    ),
    files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
    expect: { files: { 'base.txt': {}, 'child.txt': {} }, history: ['ENV', 'COPY', 'ENV', 'COPY'] },
  },
  {
    name: '--target builds the named stage, not the last',
    dockerfile: df(
      'FROM @BASE@ AS first',
      'COPY a.txt /first.txt',
      'LABEL stage=first',
      'FROM @BASE@ AS second',
      'COPY b.txt /second.txt',
    ),
    files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
    target: 'first',
    expect: { files: { 'first.txt': {}, 'second.txt': null }, config: { Labels: { stage: 'first' } } },
  },
  {
    name: '--target of a middle stage leaves later stages unbuilt',
    dockerfile: df(
      'FROM @BASE@ AS one',
      'COPY a.txt /one.txt',
      'FROM one AS two',
      'COPY b.txt /two.txt',
      'FROM two AS three',
      'COPY c.txt /three.txt',
    ),
    files: { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' },
    target: 'two',
    expect: { files: { 'one.txt': {}, 'two.txt': {}, 'three.txt': null } },
  },
  {
    name: 'a global ARG picks the stage to copy from',
    dockerfile: df(
      'ARG VARIANT=blue',
      'FROM @BASE@ AS blue',
      'COPY a.txt /colour',
      'FROM @BASE@ AS red',
      'COPY b.txt /colour',
      'FROM ${VARIANT}',
      'LABEL picked=yes',
    ),
    buildArgs: { VARIANT: 'red' },
    files: { 'a.txt': 'blue\n', 'b.txt': 'red\n' },
    expect: { files: { colour: { content: 'red\n' } } },
  },
  {
    name: `the automatic platform ARGs are in scope in FROM lines ${BUILDAH_DEPARTS}`,
    dockerfile: df(
      'ARG TARGETARCH',
      'FROM @BASE@ AS base-amd64',
      'LABEL arch=amd64',
      'FROM @BASE@ AS base-arm64',
      'LABEL arch=arm64',
      'FROM base-${TARGETARCH}',
      'LABEL final=1',
    ),
    departs: {
      why: 'BuildKit defines TARGETARCH before the first FROM, so FROM base-${TARGETARCH} names a stage; buildah 1.28 takes the expanded name for an image',
      dockerfile: df(
        'FROM @BASE@ AS base-amd64',
        'LABEL arch=amd64',
        'FROM @BASE@ AS base-arm64',
        'LABEL arch=arm64',
        `FROM base-${HOST_ARCH}`,
        'LABEL final=1',
      ),
    },
    expect: { config: { Labels: { arch: HOST_ARCH as string, final: '1' } } },
  },
  {
    name: 'an ARG is scoped to its stage',
    dockerfile: df(
      'FROM @BASE@ AS first',
      'ARG ONLY_HERE=first',
      'ENV SEEN=$ONLY_HERE',
      'FROM @BASE@',
      'ENV SEEN=[$ONLY_HERE]',
    ),
  },
  {
    name: `a stage name is case-insensitive ${BUILDAH_DEPARTS}`,
    dockerfile: df(
      'FROM @BASE@ AS Builder',
      'COPY a.txt /a.txt',
      'FROM @BASE@',
      'COPY --from=builder /a.txt /b.txt',
    ),
    files: { 'a.txt': 'a\n' },
    departs: {
      why: 'BuildKit compares stage names without case; buildah 1.28 finds no stage "builder" for "AS Builder"',
      dockerfile: df(
        'FROM @BASE@ AS builder',
        'COPY a.txt /a.txt',
        'FROM @BASE@',
        'COPY --from=builder /a.txt /b.txt',
      ),
    },
    expect: { files: { 'b.txt': {} } },
  },
  {
    name: 'a scratch stage holds only what was copied into it',
    dockerfile: df(
      'FROM scratch AS blob',
      'COPY a.txt /blob.txt',
      'FROM @BASE@',
      'COPY --from=blob / /from-blob/',
    ),
    files: { 'a.txt': 'a\n' },
    expect: { files: { 'from-blob/blob.txt': {} } },
  },
  {
    name: `ONBUILD triggers of a stage run in the stage built FROM it ${BUILDAH_DEPARTS}`,
    dockerfile: df(
      'FROM @BASE@ AS parent',
      'ONBUILD COPY a.txt /triggered.txt',
      'ONBUILD ENV TRIGGERED=yes',
      'FROM parent',
      'LABEL child=1',
    ),
    files: { 'a.txt': 'a\n' },
    departs: {
      why: 'BuildKit writes no history entry for ONBUILD itself (the triggers that run write theirs); buildah 1.28 writes one per trigger',
      correct: noOnbuildHistory,
    },
    expect: {
      files: { 'triggered.txt': { content: 'a\n' } },
      config: { OnBuild: undefined, Labels: { child: '1' } },
      history: ['COPY', 'ENV', 'LABEL'],
    },
  },
  {
    name: 'USER, WORKDIR and ENV of a base stage carry into FROM that stage',
    dockerfile: df(
      'FROM @BASE@ AS base',
      'USER app',
      'WORKDIR /home/app',
      'ENV SETTING=1',
      'FROM base',
      'COPY a.txt ./',
    ),
    files: { 'a.txt': 'a\n' },
    expect: {
      config: { User: 'app', WorkingDir: '/home/app' },
      files: { 'home/app/a.txt': { owner: '0:0' } },
    },
  },
];
