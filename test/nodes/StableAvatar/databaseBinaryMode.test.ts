/**
 * n8n's `database` binary mode (the queue-mode default): n8n buffers the whole video, then checks its
 * size limit. A refusal there is final and named as a storage refusal, not a broken download retried
 * five times (each try buffering the whole video again); a broken connection is still retried.
 *
 * n8n's own DatabaseManager lives in the n8n server package, not in n8n-core: this stand-in does what
 * it does in 2.41 (binaryToBuffer, then n8n-core's FileTooLargeError over the limit), registered
 * through n8n-core's BinaryDataService.setManager as n8n itself does.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

import { Container } from '../../harness/container';
import { BinaryDataService, FileTooLargeError } from 'n8n-core';

import { errorOf, outputOf } from '../../harness/engine';
import { binaryBytes, sha256, useFalEmulator } from '../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../harness/workflows';

const MiB = 1024 * 1024;
const { binaryToBuffer } = createRequire(require.resolve('n8n-core'))('@n8n/backend-network') as {
	binaryToBuffer: (body: Buffer | Readable) => Promise<Buffer>;
};

class DatabaseStandIn {
	maxFileSizeMiB = 2;
	failWith?: Error;
	readonly files = new Map<string, { buffer: Buffer; fileName?: string; mimeType?: string }>();

	async init() {}

	async store(_location: unknown, bufferOrStream: Buffer | Readable, metadata: { fileName?: string; mimeType?: string }) {
		const buffer = await binaryToBuffer(bufferOrStream);
		const fileId = randomUUID();
		if (buffer.length / MiB > this.maxFileSizeMiB) {
			throw new FileTooLargeError({ fileSizeMb: buffer.length / MiB, maxFileSizeMb: this.maxFileSizeMiB, fileId, fileName: metadata.fileName });
		}
		if (this.failWith) throw this.failWith;
		this.files.set(fileId, { buffer, ...metadata });
		return { fileId, fileSize: buffer.length };
	}

	async getAsBuffer(fileId: string) {
		return this.files.get(fileId)!.buffer;
	}

	async getAsStream(fileId: string) {
		return Readable.from([this.files.get(fileId)!.buffer]);
	}

	async getMetadata(fileId: string) {
		const file = this.files.get(fileId)!;
		return { fileName: file.fileName, mimeType: file.mimeType, fileSize: file.buffer.length };
	}

	async deleteMany() {}
}

const ctx = useFalEmulator();
const database = new DatabaseStandIn();
const downloads = () => ctx.fal.log.filter((entry) => entry.route === 'cdn').length;

beforeAll(async () => {
	const service = Container.get(BinaryDataService);
	(service as unknown as { config: { mode: string } }).config.mode = 'database';
	await service.init();
	service.setManager('database', database as never);
});

afterEach(() => {
	database.maxFileSizeMiB = 2;
	database.failWith = undefined;
});

test('a video within the limit is stored in the database', async () => {
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('success');
	const video = outputOf(run, AVATAR_NODE)[0].binary!.data;
	expect(video.id).toMatch(/^database:/);
	expect(sha256(await binaryBytes(video))).toBe(ctx.fal.videoSha256(outputOf(run, AVATAR_NODE)[0].json.requestId as string));
});

test('a video over the size limit is refused once, named as a storage refusal, with the request id: not downloaded again', async () => {
	const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: '[emulator:video-bytes=3145728]' })));
	expect(run.status).toBe('error');
	const [job] = [...ctx.fal.jobs.values()];
	const error = errorOf(run, AVATAR_NODE);
	expect(error?.message).toContain(`n8n's binary storage refused the video of fal job ${job.requestId}`);
	expect(error?.message).toContain('max size limit of 2 MB');
	expect(error?.description).toContain('N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE');
	expect(error?.description).toContain(`Get Result and request ID ${job.requestId}`);
	expect(error?.message).not.toContain('cut short');
	expect(downloads()).toBe(1);
	expect(ctx.fal.submits()).toBe(1);
});

test('a database error while storing is final too, and keeps the request id (Continue On Fail)', async () => {
	database.failWith = new Error('SQLITE_FULL: database or disk is full');
	const run = await ctx.run(avatarWorkflow([{}], urlInputs(), { onError: 'continueRegularOutput' }));
	const [item] = outputOf(run, AVATAR_NODE);
	const [job] = [...ctx.fal.jobs.values()];
	expect(item.json.error).toBe(`n8n's binary storage refused the video of fal job ${job.requestId}: SQLITE_FULL: database or disk is full`);
	expect(item.json.requestId).toBe(job.requestId);
	expect(downloads()).toBe(1);
});

test('a download that breaks off is still retried in database mode', async () => {
	const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: '[emulator:truncated=400000/1000]' })));
	expect(run.status).toBe('error');
	expect(errorOf(run, AVATAR_NODE)?.message).toContain('cut short');
	expect(downloads()).toBe(5);
}, 60_000);
