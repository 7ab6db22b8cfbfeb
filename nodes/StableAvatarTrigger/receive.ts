/**
 * One fal delivery, in the order that keeps paid jobs safe: verify first (a bad one is answered 401
 * and starts nothing), skip a duplicate (200, nothing starts), acknowledge at once (fal is not kept
 * waiting by a large download), then download, and start the execution whatever the download did.
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { createFalHttp } from '../StableAvatar/helpers/falHttp';
import { downloadVideo, fileNameOf } from '../StableAvatar/helpers/videoOutput';
import type { FalHttp } from '../StableAvatar/transport/http';
import { jwksUrl } from '../StableAvatar/transport/urls';
import { parseDelivery } from '../StableAvatar/transport/webhooks/delivery';
import { jwksCacheFor, type FetchText } from '../StableAvatar/transport/webhooks/jwks';
import { verifyDelivery } from '../StableAvatar/transport/webhooks/verify';
import { deliveryItem, withDownloadError } from './deliveryItem';
import { duplicateGuard } from './duplicates';

type Answerable = Pick<ReturnType<IWebhookFunctions['getResponseObject']>, 'statusCode' | 'setHeader' | 'end' | 'headersSent'>;

export async function receiveDelivery(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const receivedAt = new Date();
	const request = ctx.getRequestObject();
	const response = ctx.getResponseObject();
	const credentials = await ctx.getCredentials<{ baseUrl?: string }>('falApi');
	const http = createFalHttp(ctx, credentials);
	const verifySignature = ctx.getNodeParameter('verifySignature', true) as boolean;
	const downloadWanted = ctx.getNodeParameter('downloadVideo', true) as boolean;

	if (!request.rawBody && typeof request.readRawBody === 'function') await request.readRawBody();
	const rawBody = request.rawBody;
	const headerRequestId = single(request.headers['x-fal-webhook-request-id']);

	let requestId: string;
	if (verifySignature) {
		const verification = rawBody
			? await verifyDelivery({ headers: request.headers, rawBody, jwks: jwksCacheFor(jwksUrl(credentials.baseUrl)), fetchText: fetchTextWith(http) })
			: ({ ok: false, reason: 'missingHeaders' } as const);
		if (!verification.ok) {
			ctx.logger.warn(`Stable Avatar Trigger refused a delivery: ${verification.reason}`, { node: ctx.getNode().name });
			return refuse(response);
		}
		requestId = verification.requestId;
	} else {
		ctx.logger.warn('Stable Avatar Trigger accepted a delivery WITHOUT verifying its signature (Verify Signature is off)', {
			node: ctx.getNode().name,
			requestId: headerRequestId,
		});
		requestId = headerRequestId ?? 'unknown';
	}

	const delivery = parseDelivery(rawBody ?? Buffer.from(JSON.stringify(ctx.getBodyData() ?? {})), requestId);
	// The signature covers the header's request id and the body: they must name the same job.
	if (verifySignature && delivery.requestId !== requestId) return refuse(response);

	const workflow = ctx.getWorkflow();
	const guard = duplicateGuard(`${workflow.id ?? ''}/${ctx.getNode().name}`, ctx.getWorkflowStaticData('node'));
	if (guard.seenBefore(delivery.requestId)) {
		ctx.logger.info(`Stable Avatar Trigger: delivery for fal request ${delivery.requestId} arrived again; no second execution`);
		return acknowledge(response);
	}
	ctx.logger.info(`Stable Avatar Trigger: fal request ${delivery.requestId} ended (${delivery.status})`, { requestId: delivery.requestId });
	acknowledge(response);

	const context = { reference: referenceOf(ctx.getQueryData() as IDataObject), receivedAt };
	let item = deliveryItem(ctx.getNode(), delivery, context);
	if (delivery.status === 'OK' && downloadWanted) {
		try {
			item = deliveryItem(ctx.getNode(), delivery, context, await downloadVideo(ctx, http, delivery.video, fileNameOf(delivery.video, delivery.requestId)));
		} catch (error) {
			ctx.logger.warn(`Stable Avatar Trigger: the video of fal request ${delivery.requestId} could not be downloaded`, { requestId: delivery.requestId });
			item = withDownloadError(item, delivery.requestId, error);
		}
	}
	return { noWebhookResponse: true, workflowData: [[item]] };
}

/** The answer says nothing about why: an attacker learns nothing from it. */
function refuse(response: Answerable): IWebhookResponseData {
	answer(response, 401);
	return { noWebhookResponse: true };
}

function acknowledge(response: Answerable): IWebhookResponseData {
	answer(response, 200, '{"received":true}');
	return { noWebhookResponse: true };
}

function answer(response: Answerable, status: number, body = ''): void {
	if (response.headersSent) return;
	response.statusCode = status;
	if (body) response.setHeader('content-type', 'application/json');
	response.end(body);
}

function fetchTextWith(http: FalHttp): FetchText {
	return async (url) => {
		const answered = await http.anonymous({ method: 'GET', url });
		return { status: answered.status, body: typeof answered.body === 'string' ? answered.body : '' };
	};
}

function referenceOf(query: IDataObject): string | null {
	const value = query?.reference;
	return typeof value === 'string' ? value : null;
}

function single(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}
