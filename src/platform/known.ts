/** The GOOS and GOARCH values a one-part platform specifier may name (containerd/platforms). */

const KNOWN_OS = new Set([
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'hurd',
  'illumos',
  'ios',
  'js',
  'linux',
  'nacl',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'windows',
  'zos',
]);

const KNOWN_ARCH = new Set([
  '386',
  'amd64',
  'amd64p32',
  'arm',
  'armbe',
  'arm64',
  'arm64be',
  'ppc64',
  'ppc64le',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'mips64p32',
  'mips64p32le',
  'ppc',
  'riscv',
  'riscv64',
  's390',
  's390x',
  'sparc',
  'sparc64',
  'wasm',
]);

/** True for a Go GOOS value (already normalised, e.g. `darwin` not `macos`). */
export function isKnownOs(os: string): boolean {
  return KNOWN_OS.has(os);
}

/** True for a Go GOARCH value (already normalised, e.g. `amd64` not `x86_64`). */
export function isKnownArch(arch: string): boolean {
  return KNOWN_ARCH.has(arch);
}
