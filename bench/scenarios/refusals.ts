/**
 * 11. Refusals and acknowledgements of the Stable Avatar Trigger, in one real n8n (regular mode,
 * `n8n start`, SQLite), the package installed from its tarball as a user would, the fal emulator
 * delivering. Both workflows published side by side in that n8n:
 *   - on-video-finished.json (the trigger, its credential pointing at the emulator);
 *   - a bare Webhook node (POST, answers "Workflow was started") → No Operation: n8n's own cheapest
 *     webhook, a whole execution per call.
 * Figures:
 *   - refusing 300 deliveries of each kind (unsigned, stale, bad signature, a stranger's job signed by
 *     fal), 20 in flight at a time, against the Webhook node answering 300 calls the same way; the
 *     ratio is the trigger's wall time over the Webhook node's (target ≤ 1.0 for the cheap refusals:
 *     unsigned, stale, bad signature's format checks are the same for all). Every call goes out from
 *     the emulator (its redeliver route), so both sides pay the same client costs.
 *   - the acknowledgement time (emulator's POST → n8n's answer) of 40 of our own jobs delivered
 *     within about a second, p50 and p95 (target p95 ≤ 1 s), after one warm-up delivery; beside it,
 *     n8n's Webhook node answering 40 calls sent at once, the floor n8n itself sets.
 * One run (a real n8n takes a minute to set up); the figures are wall times on this machine.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { IWorkflowBase } from 'n8n-workflow';

import { EMULATOR_API_KEY, N8N_VERSION, STRANGER_API_KEY } from '../../test/e2e/config';
import { startEmulator, type EmulatorClient, type Redelivery } from '../../test/e2e/emulator';
import { N8nCli, n8nEnv, startMain } from '../../test/e2e/n8n';
import { buildAndPack, installIntoUserFolder } from '../../test/e2e/package';
import { freePort, ProcessGroup, waitFor } from '../../test/e2e/processes';
import { ensureToolchain } from '../../test/e2e/toolchain';
import { triggerUrlOf, triggerWorkflow, waitForTrigger } from '../../test/e2e/trigger-site';
import { falCredential } from '../../test/e2e/workflows';
import { millis, seconds } from '../measure';
import type { Row } from '../types';
import type { Scenario } from './scenario';

const CALLS = 300;
const IN_FLIGHT = 20;
const ACK_JOBS = 40;
const ACK_P95_TARGET_MS = 1_000;
const MAX_RATIO = 1.0;
const JOB_MS = 1_500;
const MINUTE = 60_000;

interface KindFigure {
	kind: string;
	wallMs: number;
	statuses: Record<number, number>;
	p50Ms: number;
	p95Ms: number;
}

export const refusals: Scenario = {
	id: 'refusals',
	title: 'Trigger refusals',
	async run(ctx) {
		const group = new ProcessGroup();
		const dir = join(ctx.workDir, 'refusals');
		const userFolder = join(dir, 'n8n');
		const outputDir = join(dir, 'videos');
		for (const folder of [userFolder, outputDir]) mkdirSync(folder, { recursive: true });
		try {
			const log = (line: string) => ctx.progress(`refusals: ${line.trim()}`);
			const toolchain = await ensureToolchain(group, log);
			const tarball = await buildAndPack(group, dir);
			// No retries: every delivery is one call, answered once.
			const { client: emulator } = await startEmulator(group, dir, { runMs: JOB_MS, webhookRetryMs: [] });
			await installIntoUserFolder(group, toolchain, tarball, userFolder);
			const port = await freePort();
			const baseUrl = `http://127.0.0.1:${port}`;
			const env = n8nEnv(toolchain, { userFolder, fileAccessDirs: [outputDir], brokerPort: await freePort(), port, extra: { WEBHOOK_URL: `${baseUrl}/`, N8N_LOG_LEVEL: 'warn' } });
			const trigger = triggerWorkflow(outputDir);
			const plain = plainWebhookWorkflow();
			const cli = new N8nCli(group, toolchain, env, dir);
			await cli.importCredentials([falCredential(emulator.url)]);
			await cli.importWorkflows([trigger, plain]);
			await cli.publishWorkflow(trigger.id as string);
			await cli.publishWorkflow(plain.id as string);
			await startMain(group, toolchain, env, join(dir, 'n8n-main.log'));
			const triggerUrl = triggerUrlOf(trigger, baseUrl);
			await waitForTrigger(triggerUrl);
			const plainUrl = `${baseUrl}/webhook/bench-plain-webhook`;
			log(`n8n on ${baseUrl}; trigger ${triggerUrl}; Webhook node ${plainUrl}`);

			// One of our jobs first: it loads the keys and proves the account (a request to fal, once).
			const warmUp = await submitJob(emulator, EMULATOR_API_KEY, `${triggerUrl}?reference=warm-up`);
			await deliveriesAnswered(emulator, [warmUp]);

			const ack = await acknowledgements(emulator, triggerUrl);
			log(`acknowledgement of ${ACK_JOBS} deliveries: p50 ${millis(ack.p50Ms)}, p95 ${millis(ack.p95Ms)} (sent over ${millis(ack.spreadMs)})`);

			// Jobs whose deliveries are sent again and again: one of ours at the Webhook node, one of a stranger's at the trigger.
			const toPlain = await submitJob(emulator, EMULATOR_API_KEY, plainUrl);
			const stranger = await submitJob(emulator, STRANGER_API_KEY, triggerUrl);
			await deliveriesAnswered(emulator, [toPlain, stranger]);

			const plainFigure = await burst(emulator, toPlain, 'unsigned', 'Webhook node (n8n), a whole execution each');
			log(`Webhook node: ${CALLS} calls in ${seconds(plainFigure.wallMs)}`);
			// The floor under the acknowledgement target: n8n's own cheapest webhook, called the same way.
			const plainAtOnce = await atOnce(emulator, toPlain);
			log(`Webhook node, ${ACK_JOBS} calls at once: p50 ${millis(plainAtOnce.p50Ms)}, p95 ${millis(plainAtOnce.p95Ms)}`);
			const kinds: [Redelivery, string][] = [
				['unsigned', 'unsigned'],
				['stale', 'stale timestamp'],
				['forged', 'bad signature'],
				['again', 'another account (signed by fal)'],
			];
			const figures: KindFigure[] = [];
			for (const [variant, label] of kinds) {
				const figure = await burst(emulator, variant === 'again' ? stranger : warmUp, variant, label);
				figures.push(figure);
				log(`${label}: ${CALLS} refused in ${seconds(figure.wallMs)} (${JSON.stringify(figure.statuses)})`);
			}

			const rows: Row[] = [
				{
					scenario: 'Trigger refusals',
					figure: `n8n Webhook node: ${CALLS} calls, ${IN_FLIGHT} in flight (wall; p50 / p95 per call)`,
					value: `${seconds(plainFigure.wallMs)}; ${millis(plainFigure.p50Ms)} / ${millis(plainFigure.p95Ms)}`,
					target: '',
					data: { ...plainFigure },
				},
				...figures.map((figure): Row => {
					const ratio = figure.wallMs / plainFigure.wallMs;
					const allRefused = figure.statuses[401] === CALLS;
					return {
						scenario: 'Trigger refusals',
						figure: `${CALLS} refused, ${figure.kind}: time ÷ Webhook node's (p50 / p95 per call)`,
						value: `${ratio.toFixed(2)} (${seconds(figure.wallMs)}; ${millis(figure.p50Ms)} / ${millis(figure.p95Ms)})${allRefused ? '' : ` answers ${JSON.stringify(figure.statuses)}`}`,
						target: `≤ ${MAX_RATIO.toFixed(1)}, all 401`,
						pass: ratio <= MAX_RATIO && allRefused,
						data: { ...figure, ratio },
					};
				}),
				{
					scenario: 'Trigger refusals',
					figure: `Acknowledgement of ${ACK_JOBS} of our deliveries sent within ${seconds(ack.spreadMs, 1)}: p50 / p95`,
					value: `${millis(ack.p50Ms)} / ${millis(ack.p95Ms)}${ack.ok === ACK_JOBS ? '' : ` (${ack.ok} answered 200)`}`,
					target: `p95 ≤ ${millis(ACK_P95_TARGET_MS)}`,
					pass: ack.p95Ms <= ACK_P95_TARGET_MS && ack.ok === ACK_JOBS,
					data: { ...ack },
				},
				{
					scenario: 'Trigger refusals',
					figure: `n8n Webhook node: ${ACK_JOBS} calls sent at once (same n8n, same client): p50 / p95`,
					value: `${millis(plainAtOnce.p50Ms)} / ${millis(plainAtOnce.p95Ms)}`,
					target: '',
					data: { ...plainAtOnce },
				},
			];
			return {
				name: 'Trigger refusals',
				emulator: `run ${JOB_MS} ms, no webhook retries`,
				setup: `n8n ${N8N_VERSION} start (regular mode, SQLite); on-video-finished.json and a Webhook node → No Operation, both published`,
				rows,
				runs: [{ plain: plainFigure, plainAtOnce, refusals: figures, acknowledgement: ack }],
			};
		} finally {
			await group.stopAll();
		}
	},
};

/** A bare Webhook node answering at once, then an execution: n8n's own cheapest webhook. */
function plainWebhookWorkflow(): IWorkflowBase {
	return {
		id: 'benchPlainWebhook1',
		name: 'Bench: plain Webhook',
		active: false,
		nodes: [
			{
				id: randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path: 'bench-plain-webhook', options: {} },
			},
			{ id: randomUUID(), name: 'No Operation', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
		],
		connections: { Webhook: { main: [[{ node: 'No Operation', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	} as unknown as IWorkflowBase;
}

/** `CALLS` deliveries of one job, `IN_FLIGHT` at a time, each sent by the emulator; wall time and answers. */
async function burst(emulator: EmulatorClient, requestId: string, variant: Redelivery, kind: string): Promise<KindFigure> {
	const before = (await emulator.webhooksFor(requestId)).length;
	const started = Date.now();
	let next = 0;
	const statuses: Record<number, number> = {};
	await Promise.all(
		Array.from({ length: IN_FLIGHT }, async () => {
			while (next < CALLS) {
				next++;
				const status = await emulator.redeliver(requestId, variant);
				statuses[status] = (statuses[status] ?? 0) + 1;
			}
		}),
	);
	const wallMs = Date.now() - started;
	const times = (await emulator.webhooksFor(requestId)).slice(before).map((delivery) => (delivery.answeredAt ?? Number.NaN) - (delivery.sentAt ?? Number.NaN));
	return { kind, wallMs, statuses, p50Ms: percentile(times, 0.5), p95Ms: percentile(times, 0.95) };
}

/** `ACK_JOBS` deliveries of one job sent together: what n8n itself takes to answer a burst like the acknowledgement one. */
async function atOnce(emulator: EmulatorClient, requestId: string) {
	const before = (await emulator.webhooksFor(requestId)).length;
	await Promise.all(Array.from({ length: ACK_JOBS }, async () => await emulator.redeliver(requestId, 'unsigned')));
	const times = (await emulator.webhooksFor(requestId)).slice(before).map((delivery) => (delivery.answeredAt ?? Number.NaN) - (delivery.sentAt ?? Number.NaN));
	return { p50Ms: percentile(times, 0.5), p95Ms: percentile(times, 0.95) };
}

async function acknowledgements(emulator: EmulatorClient, triggerUrl: string) {
	const ids = await Promise.all(Array.from({ length: ACK_JOBS }, async (_, index) => await submitJob(emulator, EMULATOR_API_KEY, `${triggerUrl}?reference=ack-${index + 1}`)));
	await deliveriesAnswered(emulator, ids);
	const deliveries = (await Promise.all(ids.map(async (id) => (await emulator.webhooksFor(id))[0])));
	const times = deliveries.map((delivery) => (delivery.answeredAt ?? Number.NaN) - (delivery.sentAt ?? Number.NaN));
	const sent = deliveries.map((delivery) => delivery.sentAt ?? Number.NaN);
	return {
		p50Ms: percentile(times, 0.5),
		p95Ms: percentile(times, 0.95),
		maxMs: Math.max(...times),
		spreadMs: Math.max(...sent) - Math.min(...sent),
		ok: deliveries.filter((delivery) => delivery.status === 200).length,
	};
}

async function submitJob(emulator: EmulatorClient, key: string, webhookUrl: string): Promise<string> {
	const response = await fetch(`${emulator.url}/fal-ai/stable-avatar?fal_webhook=${encodeURIComponent(webhookUrl)}`, {
		method: 'POST',
		headers: { authorization: `Key ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ image_url: `${emulator.url}/files/none/face.png`, audio_url: `${emulator.url}/files/none/speech.mp3`, prompt: 'A person speaks.' }),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await response.text();
	if (response.status !== 200) throw new Error(`Submitting answered ${response.status}: ${text}`);
	return (JSON.parse(text) as { request_id: string }).request_id;
}

async function deliveriesAnswered(emulator: EmulatorClient, ids: string[]): Promise<void> {
	await waitFor(`${ids.length} deliveries to be answered`, 3 * MINUTE, async () => {
		for (const id of ids) if (!(await emulator.webhooksFor(id)).some((delivery) => delivery.status !== 0)) return false;
		return true;
	}, 250);
}

function percentile(values: number[], p: number): number {
	const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}
