/**
 * `ocikit build` against `buildah bud --layers --format docker`: the instructions that set the
 * config (ENV, ARG, LABEL, EXPOSE, VOLUME, WORKDIR, USER, SHELL, CMD, ENTRYPOINT, STOPSIGNAL,
 * HEALTHCHECK, ONBUILD, MAINTAINER), expansion, quoting and the parser directives
 * (test/build/peer-cases.ts).
 */
import { CONFIG_CASES } from './peer-cases.ts';
import { describePeerCases } from './peer-suite.ts';

describePeerCases('config instructions and expansion, built by ocikit and by buildah', CONFIG_CASES);
