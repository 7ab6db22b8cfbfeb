/**
 * Serves the Stable Avatar Trigger over a real HTTP server on 127.0.0.1, the way n8n's webhook
 * server calls a node: n8n-core's real WebhookContext, the request with `rawBody` (read as n8n's
 * body parser does) and the response object in `additionalData`. Records the answer to each call
 * and each execution n8n would start (with its items), and keeps the workflow's static data across
 * calls as n8n does after a production webhook (it saves it once the webhook has answered).
 */
import './userFolder';

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { WebhookContext } from 'n8n-core';
import {
	Workflow,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type IWebhookData,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { StableAvatarTrigger } from '../../nodes/StableAvatarTrigger/StableAvatarTrigger.node.ts';
import { TestCredentialsHelper, type FalCredentials } from './credentials';
import { nodeTypes } from './nodeTypes';

export const TRIGGER_NODE = 'Stable Avatar Trigger';
export const TRIGGER_WEBHOOK_ID = '5e1f7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

export interface StartedExecution {
	items: INodeExecutionData[];
	/** Order of events in this harness: when the execution would start, after the node returned. */
	startedAt: number;
}

export interface WebhookCall {
	status: number;
	body: string;
	/** When the answer's status line went out (the node may answer before it returns). */
	answeredAt: number;
	executionStarted: boolean;
	error?: Error;
}

export interface TriggerServer {
	/** The production URL, as n8n builds it: /webhook/<webhookId>/<path>. */
	url: string;
	executions: StartedExecution[];
	calls: WebhookCall[];
	staticData: IDataObject;
	close(): Promise<void>;
}

export interface TriggerServerOptions {
	credentials: FalCredentials;
	parameters?: IDataObject;
	/** A fresh copy of the node (e.g. loaded in an isolated module registry, as after a restart). */
	nodeType?: INodeType;
	/** Static data saved by an earlier server (n8n keeps it in the workflow's row). */
	staticData?: IDataObject;
	workflowId?: string;
	/** Listen on this port (a restarted n8n keeps its URL). Default: a free one. */
	port?: number;
}

export async function startTriggerServer(options: TriggerServerOptions): Promise<TriggerServer> {
	const nodeType = options.nodeType ?? new StableAvatarTrigger();
	const node: INode = {
		id: 'trigger',
		name: TRIGGER_NODE,
		type: 'n8n-nodes-stable-avatar.stableAvatarTrigger',
		typeVersion: 1,
		position: [0, 0],
		webhookId: TRIGGER_WEBHOOK_ID,
		parameters: { events: 'videoFinished', downloadVideo: true, verifySignature: true, ...options.parameters },
		credentials: { falApi: { id: '1', name: 'fal (emulator)' } },
	};
	const description = nodeType.description.webhooks![0];
	const path = `/webhook/${TRIGGER_WEBHOOK_ID}/${description.path as string}`;
	const staticData: IDataObject = options.staticData ?? {};
	const executions: StartedExecution[] = [];
	const calls: WebhookCall[] = [];

	const server: Server = createServer((req, res) => {
		void handle(req, res).catch((error: Error) => {
			if (!res.headersSent) res.writeHead(500).end();
			calls.push({ status: 500, body: '', answeredAt: Date.now(), executionStarted: false, error });
		});
	});

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		if (req.method !== 'POST' || url.pathname !== path) {
			res.writeHead(404).end();
			return;
		}
		const call: WebhookCall = { status: 0, body: '', answeredAt: 0, executionStarted: false };
		recordAnswer(res, call);
		const request = await asN8nRequest(req, url);
		// A fresh Workflow per call, with the saved static data, as n8n's LiveWebhooks loads it.
		const workflow = new Workflow({
			id: options.workflowId ?? 'wf-trigger',
			name: 'trigger test',
			nodes: [node],
			connections: {},
			active: true,
			nodeTypes,
			staticData: structuredClone(staticData),
			settings: { executionOrder: 'v1' },
		});
		const additionalData = {
			credentialsHelper: new TestCredentialsHelper(options.credentials),
			httpRequest: request,
			httpResponse: res,
			restApiUrl: 'http://127.0.0.1:5678/rest',
			instanceBaseUrl: 'http://127.0.0.1:5678',
			webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
			webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
			webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
			variables: {},
		} as unknown as IWorkflowExecuteAdditionalData;
		const webhookData: IWebhookData = {
			httpMethod: 'POST',
			node: node.name,
			path: `${TRIGGER_WEBHOOK_ID}/${description.path as string}`,
			webhookDescription: description,
			workflowId: workflow.id,
			workflowExecuteAdditionalData: additionalData,
			webhookId: TRIGGER_WEBHOOK_ID,
		};
		const context = new WebhookContext(workflow, node, additionalData, 'webhook', webhookData, [], null);
		let result;
		try {
			result = await nodeType.webhook!.call(context);
		} catch (error) {
			call.error = error as Error;
			if (!res.headersSent) res.writeHead(500).end();
			calls.push(call);
			return;
		}
		// n8n answers for the node unless it said it answered itself.
		if (!result.noWebhookResponse && !res.headersSent) res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"Workflow was started"}');
		// n8n saves the workflow's static data once the webhook answered (LiveWebhooks → saveStaticData).
		if (workflow.staticData.__dataChanged === true) {
			for (const key of Object.keys(staticData)) delete staticData[key];
			// n8n's observable static data is a proxy: save it as n8n does, as JSON.
			const { __dataChanged, ...saved } = JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject;
			Object.assign(staticData, saved);
		}
		if (result.workflowData !== undefined) {
			call.executionStarted = true;
			executions.push({ items: result.workflowData[0] ?? [], startedAt: Date.now() });
		}
		calls.push(call);
	}

	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}${path}`,
		executions,
		calls,
		staticData,
		close: async () => {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

/** The request as n8n's webhook server hands it on: raw bytes read first, JSON parsed, query split. */
async function asN8nRequest(req: IncomingMessage, url: URL): Promise<IncomingMessage & IDataObject> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const rawBody = Buffer.concat(chunks);
	let body: unknown = {};
	if ((req.headers['content-type'] ?? '').startsWith('application/json') && rawBody.length > 0) {
		try {
			body = JSON.parse(rawBody.toString('utf8'));
		} catch {
			body = {};
		}
	}
	return Object.assign(req, {
		rawBody,
		readRawBody: async () => {},
		body,
		query: Object.fromEntries(url.searchParams),
		params: {},
	}) as unknown as IncomingMessage & IDataObject;
}

/** Notes the status and body the node (or the harness) answers, and when. */
function recordAnswer(res: ServerResponse, call: WebhookCall): void {
	const writeHead = res.writeHead.bind(res);
	const end = res.end.bind(res);
	res.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => {
		call.status = args[0];
		call.answeredAt = Date.now();
		return writeHead(...args);
	}) as ServerResponse['writeHead'];
	res.end = ((...args: unknown[]) => {
		if (!call.answeredAt) {
			call.status = res.statusCode;
			call.answeredAt = Date.now();
		}
		if (typeof args[0] === 'string') call.body = args[0];
		return (end as (...rest: unknown[]) => ServerResponse)(...args);
	}) as ServerResponse['end'];
}
