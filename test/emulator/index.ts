/**
 * A local emulator of fal's queue, storage, CDN and webhooks (see /work/shared/fal-queue-protocol.md),
 * used by the tests, the demo, the benchmark and end-to-end runs. One origin serves every path:
 *
 *   POST /{owner}/{alias}[/{path}][?fal_webhook=]     submit (every endpoint id is treated as stable-avatar)
 *   GET  /{owner}/{alias}/requests/{id}/status         status (?logs=1: moving window of the last 3 log lines)
 *   GET  /{owner}/{alias}/requests/{id}/status/stream  status as server-sent events
 *   GET  /{owner}/{alias}/requests/{id}                result
 *   PUT  /{owner}/{alias}/requests/{id}/cancel         cancel
 *   POST /storage/upload/initiate[-multipart]          storage upload initiation → signed /__upload/… URL
 *   PUT  /__upload/{token}[/{part}] · POST …/complete  signed uploads (no key)
 *   GET  /files/{requestId}/output.mp4 · /files/uploads/{token}/{name}   CDN (no key, streamed, ranges)
 *   GET  /.well-known/jwks.json                        the Ed25519 key webhooks are signed with (no key)
 *   /__emulator/…                                      control routes (see routes/control.ts)
 *
 * Undocumented at fal, chosen here: the result before completion answers 400 {detail:"Request is still in
 * progress"}; a job cancelled while queued is removed: it shows COMPLETED and its result answers 499
 * {detail, error_type:"client_cancelled"}. A job cancelled while running only gets the signal, as at fal:
 * it runs on to its end, with its usual result and webhook (and, at fal, its bill).
 *
 * Prompt directives — how a separate process picks a job's outcome through the model input alone.
 * Write `[emulator:<directive>]` anywhere in `prompt` (case-insensitive; several may be combined, the last
 * outcome wins; unknown directives are ignored). `options.outcome`, when it returns an outcome, wins over them.
 *
 *   [emulator:422 <field>]             result 422 {detail:[{loc:["body",<field>], msg, type}]}, status ends COMPLETED
 *   [emulator:<status> <error_type>]   any other 3-digit status, e.g. `500 runner_server_error`,
 *                                      `503 runner_disconnected`, `504 request_timeout`: result <status>
 *                                      {detail, error_type} + X-Fal-Error-Type
 *   [emulator:completed-error]         status COMPLETED with error/error_type; result 500
 *   [emulator:no-video]                result 200 {}
 *   [emulator:bad-video-url]           result 200 {video:{url:"ftp://…"}}
 *   [emulator:never]                   stays IN_PROGRESS (a cancel does not end a running job)
 *   [emulator:status=<NAME>]           status shows the unknown value <NAME> (e.g. PAUSED) while running
 *   [emulator:truncated=<A>/<S>]       CDN announces A bytes, sends S, then closes the connection
 *   [emulator:video-bytes=<N>]         success with an N-byte (padded, still valid) MP4
 *   [emulator:run=<ms>]                run time in ms; combines with any of the above
 */
import { LocalFalEmulator } from './emulator';
import type { EmulatorOptions } from './types';

export type {
	EmulatorOptions,
	FalEmulator,
	Fault,
	FaultRule,
	JobOutcome,
	JobRecord,
	JobStatus,
	RedeliveryVariant,
	RequestLogEntry,
	ResolvedEmulatorOptions,
	RouteName,
	UploadRecord,
	WebhookDelivery,
} from './types';
export { LocalFalEmulator } from './emulator';
export { parsePromptDirectives } from './directives';
export { paddedVideoSha256, paddedVideoSize, paddedVideoStream, SAMPLE_CLIP_PATH } from './mp4';

export async function startFalEmulator(options?: EmulatorOptions): Promise<LocalFalEmulator> {
	return LocalFalEmulator.start(options);
}
