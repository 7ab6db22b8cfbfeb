/**
 * How the downloaded video reaches the trigger's execution. The trigger downloads inside webhook(),
 * before n8n has created the execution, so n8n stores the file in the workflow's `executions/temp`
 * folder and moves it once the execution exists. n8n-core 1.x's filesystem storage then deletes the
 * whole temp folder (binary-data/file-system.manager.js, rename): deliveries arriving together lose
 * each other's videos, and their items would name files that are gone. 2.x moves only the one file.
 *
 * So on a 1.x host with binary data on disk the video travels inside the item, base64, as n8n's
 * in-memory mode keeps binary data, up to INLINE_LIMIT_BYTES. A larger video is read to its end
 * (memory stays bounded) and not kept: the item says so, with the request ID to fetch it by.
 */
import * as hostWorkflow from 'n8n-workflow';
import type { IBinaryData, IWebhookFunctions } from 'n8n-workflow';

import type { BinaryOutputContext } from '../StableAvatar/helpers/videoOutput';

/** A few minutes of avatar video; n8n 1.x's own default (in-memory) mode holds far larger files the same way. */
export const INLINE_LIMIT_BYTES = 64 * 1024 * 1024;

type BinaryBody = Parameters<IWebhookFunctions['helpers']['prepareBinaryData']>[0];

interface ChunkSource {
	on(event: 'data', listener: (chunk: Buffer) => void): unknown;
	on(event: 'end', listener: () => void): unknown;
	on(event: 'error', listener: (error: Error) => void): unknown;
}

let storesInSharedTempFolder: Promise<boolean> | undefined;

/** The context the download stores the video through: n8n's binary storage, or the item itself where storage would lose it. */
export async function videoHandOver(ctx: IWebhookFunctions): Promise<BinaryOutputContext> {
	if (!(await sharedTempFolder(ctx))) return ctx;
	return { getNode: () => ctx.getNode(), helpers: { prepareBinaryData: inlineVideo } };
}

/**
 * n8n 1.x (its n8n-workflow still exports `sleepWithAbort`, which 2.x dropped) with binary data on
 * disk (a one-byte probe comes back with a filesystem id). Asked once per process: neither changes.
 */
async function sharedTempFolder(ctx: IWebhookFunctions): Promise<boolean> {
	if (!('sleepWithAbort' in hostWorkflow)) return false;
	storesInSharedTempFolder ??= ctx.helpers.prepareBinaryData(Buffer.from([0]), 'binary-mode-probe').then(
		(probe) => typeof probe.id === 'string' && probe.id.startsWith('filesystem'),
		() => false,
	);
	return await storesInSharedTempFolder;
}

/** The video as n8n's in-memory mode keeps binary data: base64 in the item. Read to its end either way, so a too-large one is not a broken download. */
export async function inlineVideo(body: BinaryBody, fileName?: string, mimeType?: string): Promise<IBinaryData> {
	const chunks: Buffer[] = [];
	let size = 0;
	await new Promise<void>((resolve, reject) => {
		const stream = body as unknown as ChunkSource;
		stream.on('data', (chunk) => {
			size += chunk.length;
			if (size <= INLINE_LIMIT_BYTES) chunks.push(chunk);
			else chunks.length = 0;
		});
		stream.on('end', resolve);
		stream.on('error', reject);
	});
	if (size > INLINE_LIMIT_BYTES) {
		throw new Error(
			`this n8n (1.x, binary data on disk) cannot pass a trigger's video of ${megabytes(size)} to its execution intact (at most ${megabytes(INLINE_LIMIT_BYTES)}); n8n 2.x, or N8N_DEFAULT_BINARY_DATA_MODE=default, can`,
		);
	}
	const data = Buffer.concat(chunks);
	const name = fileName ?? 'video.mp4';
	return {
		data: data.toString('base64'),
		mimeType: mimeType ?? 'video/mp4',
		fileName: name,
		fileExtension: name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : 'mp4',
		fileType: 'video',
		fileSize: megabytes(data.length),
		bytes: data.length,
	};
}

function megabytes(bytes: number): string {
	return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
