/** Windows `os.version` compatibility (containerd/platforms, Windows matcher). */

/** The Windows Server LTSC builds from which newer hosts run older containers (ltsc2022, ltsc2025). */
const LTSC_BUILDS = [20348, 26100];

interface WindowsVersion {
  major: number;
  minor: number;
  build: number;
}

/** Parses `major.minor.build[.revision]`; undefined when there are fewer than three numbers. */
export function parseWindowsVersion(value: string | undefined): WindowsVersion | undefined {
  if (value === undefined) return undefined;
  const parts = value.split('.');
  if (parts.length < 3) return undefined;
  const [major, minor, build] = parts
    .slice(0, 3)
    .map((p) => (/^[0-9]{1,9}$/.test(p) ? Number(p) : Number.NaN));
  if (major === undefined || minor === undefined || build === undefined) return undefined;
  if ([major, minor, build].some(Number.isNaN)) return undefined;
  return { major, minor, build };
}

/**
 * True when a container built for Windows `container` runs on host version `host`. True when
 * either is empty or unparsable. Major and minor must match; before build 20348 (ltsc2022) the
 * build must be equal; from then on the container build must lie between the newest LTSC build
 * below the host's (20348 by default) and the host build.
 */
export function windowsVersionMatches(host: string | undefined, container: string | undefined): boolean {
  const h = parseWindowsVersion(host);
  const c = parseWindowsVersion(container);
  if (h === undefined || c === undefined) return true;
  if (h.major !== c.major || h.minor !== c.minor) return false;
  if (h.build < (LTSC_BUILDS[0] as number)) return c.build === h.build;
  const lower = LTSC_BUILDS.filter((b) => b < h.build).pop() ?? (LTSC_BUILDS[0] as number);
  return lower <= c.build && c.build <= h.build;
}
