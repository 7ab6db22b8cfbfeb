/**
 * n8n binary data out: the item json every result operation emits and, unless turned off, the video
 * streamed from fal's CDN straight into n8n's binary storage.
 */
import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { openDownload } from '../transport/download';
import { FalNetworkError } from '../transport/errors';
import { closeStream, type FalHttp } from '../transport/http';
import type { FalFile } from '../transport/queue';
import { READ_POLICY, settle, withRetry } from '../transport/retry';

type BinaryBody = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

/** What binary output needs of a context: both an operation's (IExecuteFunctions) and the trigger's (IWebhookFunctions) offer it. */
export interface BinaryOutputContext {
	helpers: Pick<IExecuteFunctions['helpers'], 'prepareBinaryData'>;
}

export interface VideoResult {
	requestId: string;
	endpoint: string;
	video: FalFile;
	timings: IDataObject;
}

export async function videoItem(
	ctx: BinaryOutputContext,
	http: FalHttp,
	itemIndex: number,
	result: VideoResult,
	output: { downloadVideo: boolean; binaryProperty: string },
): Promise<INodeExecutionData> {
	const { video } = result;
	const json: IDataObject = {
		requestId: result.requestId,
		endpoint: result.endpoint,
		video: {
			url: video.url,
			contentType: video.contentType ?? 'video/mp4',
			fileName: video.fileName ?? fileNameOf(video.url),
			fileSize: video.fileSize ?? null,
		},
		timings: result.timings,
	};
	const item: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
	if (output.downloadVideo) {
		item.binary = { [output.binaryProperty]: await downloadVideo(ctx, http, video) };
	}
	return item;
}

/**
 * A download that breaks off is started again from the top (the video stays on the CDN for days),
 * within the read retry policy; a partial video is never passed on.
 */
export async function downloadVideo(ctx: BinaryOutputContext, http: FalHttp, video: FalFile): Promise<IBinaryData> {
	return await withRetry(READ_POLICY, http.signal, async () => await downloadOnce(ctx, http, video));
}

async function downloadOnce(ctx: BinaryOutputContext, http: FalHttp, video: FalFile): Promise<IBinaryData> {
	const download = await openDownload(http, video.url);
	const expected = download.contentLength ?? video.fileSize;
	const whole = expected !== undefined ? `all ${expected} bytes` : 'the whole video';
	const stored = await settle(
		async () =>
			await ctx.helpers.prepareBinaryData(download.stream as unknown as BinaryBody, video.fileName ?? fileNameOf(video.url), 'video/mp4'),
	);
	// A connection that drops mid-body rejects with Node's bare "aborted" (or n8n's "Stream closed
	// before completing"): say what happened, as a network failure, so it is retried and, in the end,
	// the item keeps its request ID.
	if (!stored.ok) {
		closeStream(download.stream);
		const reason = stored.error instanceof Error ? stored.error.message : String(stored.error);
		throw new FalNetworkError('EDOWNLOADCUT', `The video download was cut short before ${whole} arrived (${reason})`);
	}
	// A connection that drops early can also end a stream "cleanly": compare with what was announced.
	const received = stored.value.bytes;
	if (received === 0 || (expected !== undefined && received !== undefined && received !== expected)) {
		throw new FalNetworkError('EDOWNLOADCUT', `The video download was cut short: ${received ?? 0} of ${expected ?? '?'} bytes arrived`);
	}
	return stored.value;
}

export function fileNameOf(url: string): string {
	const last = new URL(url).pathname.split('/').pop();
	return last && last.includes('.') ? decodeURIComponent(last) : 'avatar.mp4';
}
