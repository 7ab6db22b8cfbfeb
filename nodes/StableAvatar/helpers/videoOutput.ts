/**
 * n8n binary data out: the item json every result operation emits and, unless turned off, the video
 * streamed from fal's CDN straight into n8n's binary storage.
 */
import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { bestCost } from '../transport/cost';
import { countBytes, endedIntact, openDownload, probeVideoDuration } from '../transport/download';
import { FalNetworkError } from '../transport/errors';
import { closeStream, type FalHttp } from '../transport/http';
import type { FalFile } from '../transport/queue';
import { READ_POLICY, settle, withRetry } from '../transport/retry';
import { StorageRefusal, VideoStorageError } from './storageRefusal';

type BinaryBody = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

/** What binary output needs of a context: both an operation's (IExecuteFunctions) and the trigger's (IWebhookFunctions) offer it. */
export interface BinaryOutputContext {
	helpers: Pick<IExecuteFunctions['helpers'], 'prepareBinaryData'>;
	getNode: IExecuteFunctions['getNode'];
}

export interface VideoResult {
	requestId: string;
	endpoint: string;
	video: FalFile;
	timings: IDataObject;
	/** Read before the run (estimate phase): prices the result when the video is not read. */
	audioSeconds?: number;
}

export async function videoItem(
	ctx: BinaryOutputContext,
	http: FalHttp,
	itemIndex: number,
	result: VideoResult,
	output: { downloadVideo: boolean; binaryProperty: string },
): Promise<INodeExecutionData> {
	const { video } = result;
	const fileName = fileNameOf(video, result.requestId);
	const json: IDataObject = {
		requestId: result.requestId,
		endpoint: result.endpoint,
		video: videoJson(video, result.requestId),
		timings: result.timings,
		cost: bestCost(undefined, result.audioSeconds),
	};
	const item: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
	if (output.downloadVideo) {
		const download = await downloadVideo(ctx, http, video, fileName).catch((error: unknown) => {
			throw error instanceof StorageRefusal ? new VideoStorageError(ctx.getNode(), error, result.requestId, video.url, itemIndex) : error;
		});
		item.binary = { [output.binaryProperty]: download.binary };
		json.cost = bestCost(download.seconds, result.audioSeconds);
	}
	return item;
}

/**
 * A download that breaks off is started again from the top (the video stays on the CDN for days),
 * within the read retry policy; a partial video is never passed on.
 */
export async function downloadVideo(ctx: BinaryOutputContext, http: FalHttp, video: FalFile, fileName: string): Promise<StoredVideo> {
	return await withRetry(READ_POLICY, http.signal, async () => await downloadOnce(ctx, http, video, fileName));
}

export interface StoredVideo {
	binary: IBinaryData;
	/** Read from the MP4's boxes while it streamed into storage. */
	seconds?: number;
}

async function downloadOnce(ctx: BinaryOutputContext, http: FalHttp, video: FalFile, fileName: string): Promise<StoredVideo> {
	const download = await openDownload(http, video.url);
	const duration = probeVideoDuration(download.stream);
	const streamed = countBytes(download.stream);
	const expected = download.contentLength ?? video.fileSize;
	const whole = expected !== undefined ? `all ${expected} bytes` : 'the whole video';
	const stored = await settle(
		async () =>
			await ctx.helpers.prepareBinaryData(download.stream as unknown as BinaryBody, fileName, 'video/mp4'),
	);
	// A connection that drops mid-body rejects with Node's bare "aborted" (or n8n's "Stream closed
	// before completing"): say what happened, as a network failure, so it is retried and, in the end,
	// the item keeps its request ID.
	if (!stored.ok) {
		// The whole video arrived and storage still failed: n8n refused it, the download did not break.
		if (endedIntact(download.stream)) throw new StorageRefusal(stored.error);
		closeStream(download.stream);
		const reason = stored.error instanceof Error ? stored.error.message : String(stored.error);
		throw new FalNetworkError('EDOWNLOADCUT', `The video download was cut short before ${whole} arrived (${reason})`);
	}
	// A connection that drops early can also end a stream "cleanly": compare with what was announced.
	const received = stored.value.bytes ?? streamed.bytes;
	if (received === 0 || (expected !== undefined && received !== expected)) {
		throw new FalNetworkError('EDOWNLOADCUT', `The video download was cut short: ${received} of ${expected ?? '?'} bytes arrived`);
	}
	return { binary: stored.value, seconds: duration.seconds };
}

/** The `video` of an output item: what fal said of the file, with the name the binary gets. */
export function videoJson(video: FalFile, requestId: string): IDataObject {
	return { url: video.url, contentType: video.contentType ?? 'video/mp4', fileName: fileNameOf(video, requestId), fileSize: video.fileSize ?? null };
}

/** fal names most outputs generically ("output.mp4"): then the request ID tells the videos of a batch apart. */
const GENERIC_FILE_NAME = /^(output|video|result|out)?\.mp4$/i;

export function fileNameOf(video: Pick<FalFile, 'fileName'>, requestId: string): string {
	const given = video.fileName?.trim();
	return given && !GENERIC_FILE_NAME.test(given) ? given : `avatar-${requestId}.mp4`;
}
