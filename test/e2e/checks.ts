/**
 * What a run must show. A video counts only when three views agree: the Stable Avatar node's JSON,
 * the job on the emulator, and the MP4 that n8n's own file node wrote (same size and SHA-256 as the
 * bytes the emulator served).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';

import type { EmulatorClient } from './emulator';
import { nodeOutput, type RunRecord } from './run-record';

export const GENERATE_NODE = 'Stable Avatar';
export const SAVE_NODE = 'Save video';

export interface SavedVideo {
	requestId: string;
	file: string;
	bytes: number;
}

interface GenerateJson {
	requestId?: string;
	endpoint?: string;
	video?: { url?: string; contentType?: string; fileName?: string; fileSize?: number };
	timings?: { submittedAt?: string; completedAt?: string; inferenceSeconds?: number | null };
}

export function check(condition: unknown, message: string): asserts condition {
	if (!condition) throw new Error(message);
}

export interface VideoExpectations {
	count: number;
	/** Where the workflow's Settings node told it to save videos. */
	outputDir: string;
	/** Where n8n kept the binary data: `filesystem-v2` (regular mode) or `database` (queue mode's default). */
	binaryMode: string;
	/** The node that output the videos: Generate's (default) or Get Result's, whose timings hold only inferenceSeconds. */
	videoNode?: { name: string; operation: 'generate' | 'getResult' };
}

export async function checkVideos(run: RunRecord, emulator: EmulatorClient, expected: VideoExpectations): Promise<SavedVideo[]> {
	check(run.status === 'success', `The run ended "${run.status}": ${errorText(run)}`);
	const videoNode = expected.videoNode ?? { name: GENERATE_NODE, operation: 'generate' };
	const generated = nodeOutput(run, videoNode.name);
	const saved = nodeOutput(run, SAVE_NODE);
	check(generated.length === expected.count, `${videoNode.name} output ${generated.length} items, expected ${expected.count}`);

	const videos: SavedVideo[] = [];
	for (const item of generated) {
		const json = item.json as GenerateJson;
		const requestId = json.requestId;
		check(typeof requestId === 'string', `An item has no requestId: ${JSON.stringify(json)}`);
		const job = await emulator.job(requestId);
		check(job, `The emulator has no job ${requestId}`);
		check(job.status === 'COMPLETED' && job.outcome.kind === 'success', `Job ${requestId} is ${job.status} / ${job.outcome.kind}`);
		check(json.endpoint === 'fal-ai/stable-avatar', `Job ${requestId}: endpoint is ${json.endpoint}`);
		check(json.video?.url?.startsWith(`${emulator.url}/`), `Job ${requestId}: video.url ${json.video?.url} is not served by the emulator`);
		check(json.video?.contentType === 'video/mp4', `Job ${requestId}: video.contentType is ${json.video?.contentType}`);
		check(json.video.fileSize === job.videoBytes, `Job ${requestId}: video.fileSize is ${json.video.fileSize}, fal announced ${job.videoBytes}`);
		check(typeof json.video.fileName === 'string', `Job ${requestId}: video.fileName is missing`);
		if (videoNode.operation === 'generate') check(json.timings?.submittedAt && json.timings.completedAt, `Job ${requestId}: timings are missing`);
		else check(json.timings && 'inferenceSeconds' in json.timings, `Job ${requestId}: timings.inferenceSeconds is missing`);
		const binary = item.binary?.data;
		check(binary?.mimeType === 'video/mp4', `Job ${requestId}: binary "data" is ${binary?.mimeType ?? 'missing'}`);
		check(binary.id?.startsWith(`${expected.binaryMode}:`), `Job ${requestId}: binary data ${binary.id} is not in ${expected.binaryMode} storage`);

		const file = saved.find((entry) => entry.json.requestId === requestId)?.json.fileName;
		check(typeof file === 'string', `${SAVE_NODE} wrote no file for job ${requestId}`);
		check(!relative(expected.outputDir, file).startsWith('..'), `${file} is outside the output folder ${expected.outputDir}`);
		const bytes = statSync(file).size;
		check(bytes === job.videoBytes, `${file}: ${bytes} bytes, the emulator served ${job.videoBytes}`);
		check(sha256Of(file) === (await emulator.videoSha256(requestId)), `${file}: SHA-256 differs from the video the emulator served`);
		videos.push({ requestId, file, bytes });
	}
	return videos;
}

/** Binary inputs reach fal through its storage: the job's URL fields must name uploads of exactly these files. */
export async function checkUploadedInputs(emulator: EmulatorClient, requestId: string, files: Record<string, string>): Promise<void> {
	const job = await emulator.job(requestId);
	check(job, `The emulator has no job ${requestId}`);
	const uploads = await emulator.uploads();
	for (const [field, path] of Object.entries(files)) {
		const upload = uploads[String(job.input[field])];
		check(upload, `Job ${requestId}: ${field} ${String(job.input[field])} is not an upload to fal storage`);
		check(upload.sha256 === sha256Of(path), `Job ${requestId}: the upload behind ${field} differs from ${path}`);
	}
}

/** A job that failed on fal must fail the run with fal's error type and the job's request id. */
export async function checkFalFailure(run: RunRecord, emulator: EmulatorClient, promptMarker: string, errorType: string): Promise<string> {
	check(run.status === 'error', `The run ended "${run.status}", expected "error"`);
	const failedJob = (await emulator.jobs()).find((job) => String(job.input.prompt).includes(promptMarker));
	check(failedJob, `The emulator got no job with "${promptMarker}" in its prompt`);
	const text = errorText(run);
	check(text.includes(errorType), `The error does not name ${errorType}: ${text}`);
	check(text.includes(failedJob.requestId), `The error does not give the request id ${failedJob.requestId}: ${text}`);
	return text;
}

export function errorText(run: RunRecord): string {
	const error = run.data.resultData.error;
	return [error?.message, error?.description].filter(Boolean).join(' — ') || '(no error recorded)';
}

function sha256Of(file: string): string {
	return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Jobs overlap when the last one started before the first one finished. */
export function ranAtOnce(jobs: Array<{ startedAt?: number; completedAt?: number }>): boolean {
	const starts = jobs.map((job) => job.startedAt ?? Infinity);
	const ends = jobs.map((job) => job.completedAt ?? -Infinity);
	return Math.max(...starts) < Math.min(...ends);
}
