/**
 * `ocikit build` against `buildah bud --layers --format docker`: COPY and ADD (sources,
 * wildcards, destinations, owners, modes, archives) and .dockerignore. Each case is built by both
 * and the configs, histories and unpacked filesystems compared (test/build/peer-cases.ts).
 */
import { COPY_CASES } from './peer-cases.ts';
import { describePeerCases } from './peer-suite.ts';

describePeerCases('COPY, ADD and .dockerignore, built by ocikit and by buildah', COPY_CASES);
