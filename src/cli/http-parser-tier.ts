/**
 * Keeps undici's HTTP parser in V8's baseline WebAssembly tier for the rest of a CLI process.
 *
 * undici parses HTTP/1.1 with llhttp compiled to WebAssembly. V8 compiles it with Liftoff (its
 * baseline compiler, about 1 ms), then, once the parser has run for a while (V8's tiering budget),
 * compiles its main function again with TurboFan on a background thread: 70 ms and 40 MB for one
 * 33 KB function, measured on every command that talks to a registry, even a warm pull that sends
 * four requests. A short command never earns that back, and its exit waits for the compile
 * (DECISIONS.md, "undici's parser stays in V8's baseline tier"). A large download gains nothing
 * from it either: the parser walks headers and chunk framing, not the bytes of a blob.
 *
 * The budget is raised before the first request is created (undici's `undici:request:create`
 * diagnostics channel; the parser is compiled when the first connection opens), so a command
 * that talks to no registry does not even load `node:v8`. The flag is an integer read when a
 * WebAssembly instance is created and when its tiering budget runs out; nothing checks it later,
 * and no worker thread of ocikit runs WebAssembly. Only the CLI does this; the library leaves a
 * program's V8 flags alone.
 */

/** The channel undici publishes on when a request is created, before any connection for it. */
const REQUEST_CREATED = 'undici:request:create';

/** A tiering budget no command's parsing reaches (V8's default is 13,000,000; an int32 flag). */
const BASELINE_BUDGET = 2_000_000_000;

/** Raises V8's WebAssembly tiering budget before undici's first request of this process. */
export function keepHttpParserInBaselineTier(): void {
  const channels = process.getBuiltinModule('node:diagnostics_channel');
  const onFirstRequest = (): void => {
    channels.unsubscribe(REQUEST_CREATED, onFirstRequest);
    process.getBuiltinModule('node:v8').setFlagsFromString(`--wasm-tiering-budget=${BASELINE_BUDGET}`);
  };
  channels.subscribe(REQUEST_CREATED, onFirstRequest);
}
