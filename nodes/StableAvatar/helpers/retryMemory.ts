/**
 * n8n's Retry On Fail runs the whole node again, every item, when it throws (and, with Continue On
 * Fail, when its first output item has `json.error`), up to Max Tries, seconds apart, in the same
 * process. An item whose job exists on fal must not be submitted again then: it would be paid twice.
 * So for a node run with Retry On Fail on, each such item's outcome (its video item, or its error with
 * the request id) is kept, and a retry of that node run gets it back without a request; items that
 * failed before any job existed run again.
 *
 * A node run is one execution, one node, one run index (a node in a loop runs again with a new index).
 * As an AI Agent's tool, though, n8n gives every try of a call a new run index (n8n-core
 * get-input-connection-data.js, makeHandleToolInvocation): there a call is known by its arguments
 * (the input item the tool wrapper builds from them) instead. An outcome is only handed back for the
 * very same input item. Kept in memory, for a bounded number of
 * node runs, and forgotten once no retry can follow or after a while.
 */
import { createHash } from 'node:crypto';

import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { isToolRun } from './toolMode';

export type ItemOutcome = PromiseSettledResult<INodeExecutionData>;

interface NodeRunMemory {
	outcomes: Map<number, { fingerprint: string; outcome: ItemOutcome }>;
	tries: number;
	touchedAt: number;
}

/** n8n's own bounds on Max Tries (workflow-execute.js, getRetryParams). */
const maxTriesOf = (maxTries: number | undefined) => Math.min(5, Math.max(2, maxTries || 3));
const MAX_NODE_RUNS = 500;
/** Retries follow within seconds (Wait Between Tries is at most 5 s); this is a generous margin. */
const FORGET_AFTER_MS = 30 * 60_000;

const memories = new Map<string, NodeRunMemory>();

export class RetryMemory {
	private constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly key: string,
		private readonly memory: NodeRunMemory,
		private readonly lastTry: boolean,
		private readonly toolRun: boolean,
	) {}

	/** The memory of this node run, or undefined when Retry On Fail is off (nothing will run again). */
	static of(ctx: IExecuteFunctions, now = Date.now()): RetryMemory | undefined {
		const node = ctx.getNode();
		if (node.retryOnFail !== true) return undefined;
		forgetStale(now);
		const key = JSON.stringify([ctx.getExecutionId() ?? '', node.name, ...nodeRunOf(ctx)]);
		let memory = memories.get(key);
		if (!memory) {
			memory = { outcomes: new Map(), tries: 0, touchedAt: now };
			memories.set(key, memory);
		}
		memory.tries++;
		memory.touchedAt = now;
		return new RetryMemory(ctx, key, memory, memory.tries >= maxTriesOf(node.maxTries), isToolRun(ctx));
	}

	/** The outcome an earlier try had for this very item, if its job existed. */
	recall(itemIndex: number): ItemOutcome | undefined {
		const kept = this.memory.outcomes.get(itemIndex);
		return kept && kept.fingerprint === fingerprintOf(this.ctx.getInputData()[itemIndex]) ? kept.outcome : undefined;
	}

	/** Keeps the outcomes of items whose job exists (or may exist); the others may run again. */
	keep(outcomes: ItemOutcome[], jobExists: (outcome: ItemOutcome) => boolean): void {
		const items = this.ctx.getInputData();
		outcomes.forEach((outcome, itemIndex) => {
			if (jobExists(outcome)) this.memory.outcomes.set(itemIndex, { fingerprint: fingerprintOf(items[itemIndex]), outcome });
		});
		this.memory.touchedAt = Date.now();
	}

	/** Called with what the node is about to return: forgets when n8n will not run the node again. */
	settle(output: INodeExecutionData[] | undefined): void {
		// n8n's tool wrapper tries again only when the node throws.
		const retryFollows = output === undefined || (!this.toolRun && isErrorValue(output[0]?.json.error));
		if (!retryFollows || this.lastTry) memories.delete(this.key);
	}
}

/** What tells one node run from another: its run index, or for a tool call its arguments. */
function nodeRunOf(ctx: IExecuteFunctions): string[] {
	if (isToolRun(ctx)) return ['tool', ...ctx.getInputData().map(fingerprintOf)];
	return [String(ctx.getWorkflowDataProxy(0).$runIndex ?? 0)];
}

/** n8n's test for a failed run under Continue On Fail (workflow-execute.js, checkFailure). */
function isErrorValue(value: unknown): boolean {
	return value !== undefined && value !== null && value !== false;
}

function fingerprintOf(item: INodeExecutionData | undefined): string {
	const binary = Object.fromEntries(
		Object.entries(item?.binary ?? {}).map(([name, data]) => [name, { id: data.id, fileSize: data.fileSize, mimeType: data.mimeType, data: data.id ? undefined : data.data }]),
	);
	return createHash('sha256').update(JSON.stringify([item?.json ?? {}, binary])).digest('base64');
}

function forgetStale(now: number): void {
	for (const [key, memory] of memories) {
		if (memories.size <= MAX_NODE_RUNS && now - memory.touchedAt < FORGET_AFTER_MS) continue;
		memories.delete(key);
	}
}
