/**
 * Short helper programs (`mount`, `umount`, `getfattr`) run through one long-lived `/bin/sh`
 * instead of a fork of this process each. A RUN step needs several of them, and forking a Node
 * process of a build's size costs about three times a fork of a small shell (measured on a loaded
 * 2-core machine: 221 ms against 77 ms per `getfattr`).
 *
 * The shell reads commands from one FIFO and writes each exit status to another; a command's
 * output goes to files in the host's private folder. Arguments are single-quoted (every byte but
 * NUL is safe inside single quotes), so nothing in a path is interpreted. The shell's end of the
 * command FIFO has this process as its only writer: when this process dies, however it dies, the
 * shell reads end-of-file and exits. When the shell cannot be started, or is gone, programs are
 * spawned directly ({@link runHelper} hides the difference); a shell that dies with a command in
 * flight makes that command fail (it may have run, so it is never run twice).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a helper program did: as `spawnSync` reports it (stdout and stderr decoded as latin1). */
export interface HelperResult {
  /** Exit status; null when it was killed by a signal. */
  readonly status: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started at all. */
  readonly error?: Error;
}

/** Options of {@link runHelper}. */
export interface HelperOptions {
  /** Variables added to this process's environment for the program. */
  readonly env?: Readonly<Record<string, string>>;
  /** The program's working directory (default: this process's). */
  readonly cwd?: string;
}

/** Quotes one argument for the shell. */
function quote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/** Times a status was polled for (slept on) rather than read blocking; see {@link statusPolls}. */
let polled = 0;

/**
 * How many times this process has polled the host shell for a status instead of sleeping in a
 * blocking read (only before the shell's first answer): for tests.
 */
export function statusPolls(): number {
  return polled;
}

/** The shell and its FIFOs. */
class CommandHost {
  private readonly dir: string;
  private readonly requests: number;
  private readonly replies: number;
  /**
   * A blocking descriptor of the status FIFO, opened once the shell has answered (its end of the
   * FIFO is then open, so the open does not wait): reads sleep in the kernel until a status
   * arrives, and end-of-file means the shell is gone. Before that first answer the non-blocking
   * descriptor is polled, since a FIFO nobody writes to yet reads as end-of-file.
   */
  private waiting: number | undefined;
  private readonly pid: number;
  private pending = '';
  alive = true;

  private constructor(dir: string, requests: number, replies: number, pid: number) {
    this.dir = dir;
    this.requests = requests;
    this.replies = replies;
    this.pid = pid;
  }

  /** Starts a host, or returns undefined when this system cannot run one. */
  static start(): CommandHost | undefined {
    const dir = join(tmpdir(), `ocikit-host-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      mkdirSync(dir, { mode: 0o700 });
      const made = spawnSync('mkfifo', ['-m', '600', join(dir, 'in'), join(dir, 'out')], { stdio: 'ignore' });
      if (made.status !== 0) throw new Error('mkfifo failed');
      // Read-write opens never block on a FIFO; this process stays the command FIFO's only writer.
      const requests = openSync(join(dir, 'in'), constants.O_RDWR);
      const replies = openSync(join(dir, 'out'), constants.O_RDONLY | constants.O_NONBLOCK);
      const child = spawn(
        '/bin/sh',
        ['-c', 'exec /bin/sh -s <"$0" >"$1"', join(dir, 'in'), join(dir, 'out')],
        {
          stdio: 'ignore',
        },
      );
      child.unref();
      if (child.pid === undefined) throw new Error('no shell');
      const host = new CommandHost(dir, requests, replies, child.pid);
      child.on('exit', () => {
        host.alive = false;
      });
      process.once('exit', () => host.close());
      return host;
    } catch {
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
  }

  /**
   * Runs `file args` to completion; undefined when the shell was gone before the command was sent
   * (the caller spawns instead).
   */
  run(file: string, args: readonly string[], options: HelperOptions): HelperResult | undefined {
    if (!this.alive) return undefined;
    const out = join(this.dir, 'stdout');
    const err = join(this.dir, 'stderr');
    const assignments = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${quote(v)} `);
    const command = `${assignments.join('')}exec ${[file, ...args].map(quote).join(' ')}`;
    const cd = options.cwd !== undefined ? `cd ${quote(options.cwd)} && ` : '';
    const line = `(${cd}${command}) <${quote('/dev/null')} >${quote(out)} 2>${quote(err)}; echo "$?"\n`;
    try {
      writeSync(this.requests, line);
    } catch {
      this.alive = false;
      return undefined;
    }
    const status = this.readStatus();
    if (status === undefined) {
      // The shell died with the command in flight: it may have run, so it is not run again.
      const error = new Error(`the helper shell died while running ${file}`);
      return { status: null, signal: 'SIGKILL', stdout: '', stderr: error.message, error };
    }
    const stdout = readFileSync(out, 'latin1');
    const stderr = readFileSync(err, 'latin1');
    if (status === 127 && stdout === '' && /not found/.test(stderr)) {
      return { status: null, signal: null, stdout, stderr, error: new Error(`${file}: not found`) };
    }
    if (status > 128) return { status: null, signal: `signal ${status - 128}`, stdout, stderr };
    return { status, signal: null, stdout, stderr };
  }

  /** The next status line from the shell; undefined (the host given up) when the shell died. */
  private readStatus(): number | undefined {
    const buffer = Buffer.allocUnsafe(64);
    let polls = 0;
    for (;;) {
      const newline = this.pending.indexOf('\n');
      if (newline >= 0) {
        const line = this.pending.slice(0, newline);
        this.pending = this.pending.slice(newline + 1);
        this.waitFromNowOn();
        return Number.parseInt(line, 10);
      }
      if (this.waiting !== undefined) {
        // Polling cost about 1 ms of CPU per helper program (a thrown EAGAIN per poll), taken
        // from the container steps running beside it; a blocking read costs none.
        let n = 0;
        try {
          n = readSync(this.waiting, buffer, 0, buffer.length, null);
        } catch (err) {
          // A signal (SIGUSR1 turns on Node's inspector) interrupts the read: the shell is fine.
          if ((err as NodeJS.ErrnoException).code === 'EINTR') continue;
          n = 0;
        }
        if (n === 0) {
          this.alive = false;
          return undefined;
        }
        this.pending += buffer.toString('latin1', 0, n);
        continue;
      }
      let n = -1;
      try {
        n = readSync(this.replies, buffer, 0, buffer.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.alive = false;
          return undefined;
        }
      }
      if (n > 0) {
        this.pending += buffer.toString('latin1', 0, n);
        continue;
      }
      // No data yet (or no writer yet, at start): is the shell still there?
      if (polls++ % 64 === 63 && !this.running()) {
        this.alive = false;
        return undefined;
      }
      polled++;
      Atomics.wait(SLEEP, 0, 0, polls < 200 ? 0.2 : 2);
    }
  }

  /** Opens {@link waiting} after the shell's first answer; polling goes on if that fails. */
  private waitFromNowOn(): void {
    if (this.waiting !== undefined) return;
    const path = join(this.dir, 'out');
    try {
      // A blocking open waits for a writer, and the shell may have died since it answered: a
      // writer of our own (which cannot block, this process already reading) is held for the
      // open, then closed, so the shell is left the only writer and its end reads as end-of-file.
      const keeper = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        this.waiting = openSync(path, constants.O_RDONLY);
      } finally {
        closeSync(keeper);
      }
    } catch {
      // Polling still works.
    }
  }

  /** Whether the shell still runs: not gone, and not a zombie (nothing reaps it while this thread waits). */
  private running(): boolean {
    if (!this.alive) return false;
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'latin1');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      try {
        process.kill(this.pid, 0);
        return true;
      } catch {
        return false;
      }
    }
  }

  close(): void {
    this.alive = false;
    for (const fd of [this.requests, this.replies, this.waiting]) {
      try {
        if (fd !== undefined) closeSync(fd);
      } catch {}
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let host: CommandHost | undefined | null = null;

/**
 * Runs a helper program to completion with no input, as `spawnSync(file, args, { encoding:
 * 'latin1' })` would, through the shared shell when there is one (see the module comment).
 */
export function runHelper(file: string, args: readonly string[], options: HelperOptions = {}): HelperResult {
  if (host === null) host = CommandHost.start();
  const hosted = host?.run(file, args, options);
  if (hosted !== undefined) return hosted;
  const result = spawnSync(file, [...args], {
    encoding: 'latin1',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...options.env },
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return {
    status: result.status,
    signal: result.signal,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
}
