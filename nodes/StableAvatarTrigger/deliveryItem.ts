/**
 * The item a delivery becomes: the same shape whether the job finished or failed, so one output
 * carries both and an IF on `error` splits them. Errors are in words, with what to do.
 */
import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import { toNodeError } from '../StableAvatar/helpers/nodeErrors';
import { videoJson, type StoredVideo } from '../StableAvatar/helpers/videoOutput';
import { bestCost } from '../StableAvatar/transport/cost';
import { FalApiError } from '../StableAvatar/transport/errors';
import type { FalDelivery } from '../StableAvatar/transport/webhooks/delivery';

export interface DeliveryContext {
	reference: string | null;
	receivedAt: Date;
	/** The fal account (signed user id) whose job this was: the credential's own. */
	userId: string | null;
}

export interface ItemError {
	message: string;
	type: string;
	fix: string;
}

export function deliveryItem(node: INode, delivery: FalDelivery, context: DeliveryContext, download?: StoredVideo): INodeExecutionData {
	const json: IDataObject = {
		requestId: delivery.requestId,
		status: delivery.status,
		video: null,
		reference: context.reference,
		userId: context.userId,
		receivedAt: context.receivedAt.toISOString(),
	};
	if (delivery.status === 'OK') {
		json.video = videoJson(delivery.video, delivery.requestId);
		json.cost = bestCost(download?.seconds, undefined);
	} else {
		json.error = jobFailure(node, delivery.error) as unknown as IDataObject;
	}
	const item: INodeExecutionData = { json };
	if (download) item.binary = { data: download.binary };
	return item;
}

/** An acknowledged delivery whose download failed: the item still comes out, saying how to recover. */
export function withDownloadError(item: INodeExecutionData, requestId: string, error: unknown): INodeExecutionData {
	const reason = error instanceof Error ? error.message : String(error);
	const failure: ItemError = {
		message: `The video of fal job ${requestId} could not be downloaded: ${reason}`,
		type: 'download_failed',
		fix: `The job finished on fal. Fetch the video with the Stable Avatar node's Get Result operation and request ID ${requestId} (fal keeps the result an hour; the video URL in this item lives longer).`,
	};
	return { ...item, json: { ...item.json, error: failure as unknown as IDataObject } };
}

function jobFailure(node: INode, error: Error): ItemError {
	const explained = toNodeError(node, error, 0);
	const type = error instanceof FalApiError ? (error.errorType ?? (error.status === 422 ? 'validation_error' : `http_${error.status}`)) : 'unreadable_output';
	return { message: explained.message, type, fix: explained.description ?? '' };
}
