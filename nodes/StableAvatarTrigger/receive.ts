/**
 * One fal delivery, in the order that keeps paid jobs safe and refusals cheap: check what costs
 * nothing first (headers, timestamp, size, JSON, reference: precheck.ts), then fal's signature, then
 * that the job is the credential's account's (account.ts); anything refused is answered 401 and
 * starts nothing, anything that cannot be checked right now 503 (fal delivers it again). Then skip a
 * duplicate (200, nothing starts), acknowledge at once (fal is not kept waiting by a large
 * download), download, and start the execution whatever the download did.
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { createFalHttp } from '../StableAvatar/helpers/falHttp';
import { downloadVideo, fileNameOf } from '../StableAvatar/helpers/videoOutput';
import type { FalHttp } from '../StableAvatar/transport/http';
import { withStallGuard } from '../StableAvatar/transport/stallGuard';
import { falOrigins, jwksUrl } from '../StableAvatar/transport/urls';
import { parseDelivery } from '../StableAvatar/transport/webhooks/delivery';
import { jwksCacheFor, JWKS_TIMEOUT_MS, type FetchText } from '../StableAvatar/transport/webhooks/jwks';
import { jobOwnership } from '../StableAvatar/transport/webhooks/ownership';
import { verifyDelivery } from '../StableAvatar/transport/webhooks/verify';
import { checkAccount, credentialFingerprint, provenUserId } from './account';
import { downloadBounds } from './bounds';
import { triggerCredentials } from './credentials';
import { deliveryItem, withDownloadError } from './deliveryItem';
import { duplicateGuard } from './duplicates';
import { precheckDelivery } from './precheck';
import { videoHandOver } from './videoHandOver';

type Answerable = Pick<ReturnType<IWebhookFunctions['getResponseObject']>, 'statusCode' | 'setHeader' | 'end' | 'headersSent'>;

export async function receiveDelivery(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const receivedAt = new Date();
	const request = ctx.getRequestObject();
	const response = ctx.getResponseObject();
	const verifySignature = ctx.getNodeParameter('verifySignature', true) as boolean;

	const precheck = await precheckDelivery({
		headers: request.headers,
		query: ctx.getQueryData() as IDataObject,
		verifySignature,
		rawBody: async () => {
			if (!request.rawBody && typeof request.readRawBody === 'function') await request.readRawBody();
			return request.rawBody;
		},
	});
	if (!precheck.ok) return refuse(ctx, response, precheck.reason);
	const { rawBody, signed, reference } = precheck.arrival;

	const credentials = await triggerCredentials(ctx);
	// Every call without the key (the JWKS, the CDN download) is cut when it stalls.
	const http = withStallGuard(createFalHttp(ctx, credentials), downloadBounds.idleMs, downloadBounds.totalMs);
	const fingerprint = credentialFingerprint(String(credentials.apiKey ?? ''), credentials.baseUrl);

	let requestId: string;
	if (signed) {
		const verification = await verifyDelivery({ headers: request.headers, rawBody, jwks: jwksCacheFor(jwksUrl(credentials.baseUrl)), fetchText: fetchTextWith(http) });
		if (!verification.ok) return verification.reason === 'keysUnavailable' ? unavailable(ctx, response, verification.reason) : refuse(ctx, response, verification.reason);
		const account = await checkAccount(fingerprint, verification.userId, async () => await jobOwnership(http, falOrigins(credentials.baseUrl).queue, verification.requestId));
		if (!account.ok) return account.reason === 'accountUnchecked' ? unavailable(ctx, response, account.reason) : refuse(ctx, response, account.reason);
		requestId = verification.requestId;
	} else {
		ctx.logger.warn('Stable Avatar Trigger accepted a delivery WITHOUT verifying its signature (Verify Signature is off)', {
			node: ctx.getNode().name,
			requestId: single(request.headers['x-fal-webhook-request-id']),
		});
		requestId = single(request.headers['x-fal-webhook-request-id']) ?? 'unknown';
	}

	const delivery = parseDelivery(rawBody, requestId);
	const workflow = ctx.getWorkflow();
	const guard = duplicateGuard(`${workflow.id ?? ''}/${ctx.getNode().name}`, ctx.getWorkflowStaticData('node'));
	if (guard.seenBefore(delivery.requestId)) {
		ctx.logger.info(`Stable Avatar Trigger: delivery for fal request ${delivery.requestId} arrived again; no second execution`);
		return acknowledge(response);
	}
	ctx.logger.info(`Stable Avatar Trigger: fal request ${delivery.requestId} ended (${delivery.status})`, { requestId: delivery.requestId });
	acknowledge(response);

	const context = { reference, receivedAt, userId: signed ? signed.userId : (provenUserId(fingerprint) ?? null) };
	let item = deliveryItem(ctx.getNode(), delivery, context);
	if (delivery.status === 'OK' && (ctx.getNodeParameter('downloadVideo', true) as boolean)) {
		try {
			const storage = await videoHandOver(ctx);
			item = deliveryItem(ctx.getNode(), delivery, context, await downloadVideo(storage, http, delivery.video, fileNameOf(delivery.video, delivery.requestId)));
		} catch (error) {
			ctx.logger.warn(`Stable Avatar Trigger: the video of fal request ${delivery.requestId} could not be downloaded`, { requestId: delivery.requestId });
			item = withDownloadError(item, delivery.requestId, error);
		}
	}
	return { noWebhookResponse: true, workflowData: [[item]] };
}

/** 401, and the answer says nothing about why: an attacker learns nothing from it. */
function refuse(ctx: IWebhookFunctions, response: Answerable, reason: string): IWebhookResponseData {
	ctx.logger.warn(`Stable Avatar Trigger refused a delivery: ${reason}`, { node: ctx.getNode().name });
	answer(response, 401);
	return { noWebhookResponse: true };
}

/** 503: the delivery could not be checked now (fal's keys or queue did not answer); fal delivers it again later. */
function unavailable(ctx: IWebhookFunctions, response: Answerable, reason: string): IWebhookResponseData {
	ctx.logger.warn(`Stable Avatar Trigger could not check a delivery now (${reason}); fal will deliver it again`, { node: ctx.getNode().name });
	answer(response, 503);
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
		const answered = await http.anonymous({ method: 'GET', url, signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) });
		return { status: answered.status, body: typeof answered.body === 'string' ? answered.body : '' };
	};
}

function single(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}
