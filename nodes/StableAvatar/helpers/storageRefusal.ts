/**
 * n8n's binary storage refusing the video (database mode's size limit, a database or disk error) is
 * not a broken download: the whole video arrived, and fetching it again would be refused the same way
 * (in database mode, after buffering it whole once more). So it is final, and named as what it is.
 */
import { NodeOperationError, type INode } from 'n8n-workflow';

/** Raised inside the download; carries n8n's own error. Not a fal error, so never retried. */
export class StorageRefusal extends Error {
	constructor(readonly reason: unknown) {
		super(reason instanceof Error ? reason.message : String(reason));
		this.name = 'StorageRefusal';
	}
}

/** The item's error: what refused, why, and how to still get the paid video. */
export class VideoStorageError extends NodeOperationError {
	constructor(
		node: INode,
		refusal: StorageRefusal,
		readonly requestId: string,
		videoUrl: string,
		itemIndex: number,
	) {
		const sizeLimit = /max size limit|N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE/i.test(refusal.message);
		super(node, `n8n's binary storage refused the video of fal job ${requestId}: ${refusal.message}`, {
			itemIndex,
			description: `${
				sizeLimit
					? "The video is larger than n8n's `database` binary mode accepts (N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE, 512 MiB by default). Raise that limit (up to 1024 MiB) or use filesystem or S3 binary storage."
					: 'n8n could not store the video (its binary storage: database or disk). Check the n8n instance.'
			} The job is done and paid for, and was not downloaded again: the video stays on fal's CDN at ${videoUrl}. Turn off Download Video under Advanced Options to pass the URL on, or fetch it later with Get Result and request ID ${requestId}.`,
		});
	}
}
