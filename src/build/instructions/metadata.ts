/**
 * Instructions that change only the image config (one history entry each, `empty_layer: true`),
 * with the effects and `created_by` texts of BuildKit's Dockerfile frontend (dockerfile2llb):
 * ENV, LABEL, MAINTAINER, EXPOSE, VOLUME, USER, SHELL, CMD, ENTRYPOINT, STOPSIGNAL, HEALTHCHECK
 * and ONBUILD (stored for later builds; it writes no history).
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { ContainerConfig, HealthConfig } from '../../spec/index.ts';
import type { CommandLine, Instruction } from '../dockerfile/types.ts';
import type { BuildSession } from '../session.ts';
import { expandWord, expandWords } from '../stage/expand.ts';
import { type StageState, setConfigEnv } from '../stage/state.ts';
import { goDuration, goList, goQuotedList } from './go-format.ts';
import { parsePort } from './ports.ts';
import { checkSignal } from './signals.ts';

/** The metadata instruction kinds. */
export type MetadataInstruction = Extract<
  Instruction,
  {
    kind:
      | 'ENV'
      | 'LABEL'
      | 'MAINTAINER'
      | 'EXPOSE'
      | 'VOLUME'
      | 'USER'
      | 'SHELL'
      | 'CMD'
      | 'ENTRYPOINT'
      | 'STOPSIGNAL'
      | 'HEALTHCHECK'
      | 'ONBUILD';
  }
>;

/** True for the instructions {@link applyMetadata} handles. */
export function isMetadata(instruction: Instruction): instruction is MetadataInstruction {
  return [
    'ENV',
    'LABEL',
    'MAINTAINER',
    'EXPOSE',
    'VOLUME',
    'USER',
    'SHELL',
    'CMD',
    'ENTRYPOINT',
    'STOPSIGNAL',
    'HEALTHCHECK',
    'ONBUILD',
  ].includes(instruction.kind);
}

function container(state: StageState): ContainerConfig {
  state.config.config ??= {};
  return state.config.config;
}

/** A command line as the config stores it: exec form as given, shell form under SHELL (default `/bin/sh -c`). */
function argvOf(state: StageState, command: CommandLine): string[] {
  if (command.form === 'exec') return [...command.argv];
  const shell = state.config.config?.Shell;
  return [...(shell !== undefined && shell.length > 0 ? shell : ['/bin/sh', '-c']), command.command];
}

/** BuildKit's `%+v` of the Healthcheck it stores (zero durations included). */
function healthText(h: HealthConfig): string {
  return (
    `{Test:${goList(h.Test ?? [])} Interval:${goDuration(h.Interval ?? 0)} Timeout:${goDuration(h.Timeout ?? 0)} ` +
    `StartPeriod:${goDuration(h.StartPeriod ?? 0)} StartInterval:${goDuration(h.StartInterval ?? 0)} Retries:${h.Retries ?? 0}}`
  );
}

/**
 * Applies a metadata instruction to the stage (expanding where the reference says) and returns
 * its history text, or undefined for ONBUILD (which writes none).
 */
export function applyMetadata(
  session: BuildSession,
  state: StageState,
  ins: MetadataInstruction,
): string | undefined {
  const word = (w: string): string => expandWord(session, state.env, w);
  switch (ins.kind) {
    case 'ENV': {
      // Every pair expands with the variables as they were before the instruction.
      const pairs = ins.pairs.map((p) => ({ key: word(p.key), value: word(p.value) }));
      for (const { key, value } of pairs) {
        if (key === '') throw new OciError(ErrorCode.INVALID_ARGUMENT, 'ENV names must not be empty');
        setConfigEnv(state.config, key, value);
        state.env.delete(key);
        state.env.set(key, value);
      }
      return `ENV ${pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`;
    }
    case 'LABEL': {
      const pairs = ins.pairs.map((p) => ({ key: word(p.key), value: word(p.value) }));
      const c = container(state);
      const labels = { ...(c.Labels ?? {}) };
      for (const { key, value } of pairs) {
        if (key === '') throw new OciError(ErrorCode.INVALID_ARGUMENT, 'LABEL names must not be empty');
        labels[key] = value;
      }
      c.Labels = labels;
      return `LABEL ${pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`;
    }
    case 'MAINTAINER':
      state.config.author = ins.maintainer;
      return `MAINTAINER ${ins.maintainer}`;
    case 'EXPOSE': {
      const ports = ins.ports.flatMap((p) => expandWords(session, state.env, p)).flatMap(parsePort);
      const c = container(state);
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const port of ports) c.ExposedPorts[port] = {};
      return `EXPOSE ${goList(ports)}`;
    }
    case 'VOLUME': {
      const volumes = ins.volumes.map(word);
      if (volumes.some((v) => v === '')) {
        throw new OciError(ErrorCode.INVALID_ARGUMENT, 'VOLUME specified can not be an empty string');
      }
      const c = container(state);
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of volumes) c.Volumes[v] = {};
      return `VOLUME ${goList(volumes)}`;
    }
    case 'USER': {
      const user = word(ins.user);
      container(state).User = user;
      return `USER ${user}`;
    }
    case 'SHELL':
      container(state).Shell = [...ins.shell];
      return `SHELL ${goList(ins.shell)}`;
    case 'CMD': {
      const args = argvOf(state, ins.command);
      const c = container(state);
      c.Cmd = args;
      c.ArgsEscaped = true;
      state.cmdSet = true;
      return `CMD ${goQuotedList(args)}`;
    }
    case 'ENTRYPOINT': {
      const args = argvOf(state, ins.command);
      const c = container(state);
      c.Entrypoint = args;
      // An ENTRYPOINT resets a CMD inherited from the base; one set earlier in this stage stays.
      if (!state.cmdSet) delete c.Cmd;
      return `ENTRYPOINT ${goQuotedList(args)}`;
    }
    case 'STOPSIGNAL': {
      const signal = word(ins.signal);
      checkSignal(signal);
      container(state).StopSignal = signal;
      return `STOPSIGNAL ${signal}`;
    }
    case 'HEALTHCHECK': {
      const h = ins.health;
      const health: HealthConfig = { Test: [...h.test] };
      if (h.interval) health.Interval = h.interval;
      if (h.timeout) health.Timeout = h.timeout;
      if (h.startPeriod) health.StartPeriod = h.startPeriod;
      if (h.startInterval) health.StartInterval = h.startInterval;
      if (h.retries) health.Retries = h.retries;
      container(state).Healthcheck = health;
      return `HEALTHCHECK ${healthText(health)}`;
    }
    case 'ONBUILD': {
      const c = container(state);
      c.OnBuild = [...(c.OnBuild ?? []), ins.expression];
      return undefined;
    }
  }
}
