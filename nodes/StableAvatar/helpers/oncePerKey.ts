/**
 * Once Per Key (Advanced Options): a scheduled workflow reads the same rows on every tick, and a tick
 * may fire while the last one's jobs still render. Before anything is uploaded or submitted, the run
 * claims each item's key in n8n's own processed-data store (scope: the workflow; shared by manual and
 * production runs and by queue-mode workers). An item whose key is claimed already gets no job and
 * comes out marked `skipped: 'alreadySubmitted'`. A key is released again when its item ends without
 * a job (refused input, spend cap, upload error, a 4xx on submit), so the next run tries it again;
 * once fal has a request id the key stays claimed, because that job is paid for.
 *
 * n8n's store reads the workflow's list of keys and writes it back whole: not atomic. Claims and
 * releases of this n8n process are therefore made one at a time, and every claim is read back once.
 */
import { NodeOperationError, type ICheckProcessedOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { invalidInput } from './validation';

type Settled = PromiseSettledResult<unknown>;
type Outcome = PromiseSettledResult<INodeExecutionData>;

/**
 * Keys kept per workflow: the oldest fall out beyond this (as with Remove Duplicates' default history
 * size). n8n rewrites the whole list on each claim, so it stays small: about 27 bytes a key.
 */
export const MAX_KEYS = 10_000;
/** Our keys share the workflow's list with Remove Duplicates (scope Workflow): they never collide. */
const KEY_PREFIX = 'stable-avatar:';
const STORE: ICheckProcessedOptions = { mode: 'entries', maxEntries: MAX_KEYS };

/** Claims of this process, so a skipped item can say when its key was claimed (the store keeps no time). */
const claimedHere = new Map<string, string>();
/** One store call at a time per workflow in this process: n8n's read-modify-write cannot interleave here. */
const storeQueues = new Map<string, Promise<unknown>>();

export class OncePerKey {
	private readonly keep = new Set<number>();

	private constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly workflowId: string,
		/** The key each item claimed in this run (the items that will run). */
		private readonly claimed: Map<number, string>,
		private readonly skipped: Map<number, INodeExecutionData>,
	) {}

	/**
	 * Claims the keys of the items that are ready to run. `ownJob(i)`: Retry On Fail hands item i its
	 * earlier try's job, so it neither claims nor is skipped. Returns undefined when the option is off;
	 * items whose key is empty are refused in `prepared`.
	 */
	static async claim(ctx: IExecuteFunctions, prepared: Settled[], ownJob: (itemIndex: number) => boolean): Promise<OncePerKey | undefined> {
		const raw = (ctx.getNode().parameters.advancedOptions as IDataObject | undefined)?.oncePerKey;
		if (raw === undefined || raw === null || String(raw).trim() === '') return undefined;
		const helpers = ctx.helpers as Partial<IExecuteFunctions['helpers']>;
		if (typeof helpers.checkProcessedAndRecord !== 'function' || typeof helpers.removeProcessed !== 'function') {
			throw new NodeOperationError(ctx.getNode(), 'Once Per Key needs n8n\'s processed-data store, which this n8n does not offer', {
				description: 'Update n8n, or clear Once Per Key under Advanced Options.',
			});
		}
		const workflowId = ctx.getWorkflow().id;
		if (!workflowId) {
			throw new NodeOperationError(ctx.getNode(), 'Once Per Key needs a saved workflow: its keys are kept per workflow', { description: 'Save the workflow, then run it again.' });
		}

		const firstItemOf = new Map<string, number>();
		const skipped = new Map<number, INodeExecutionData>();
		const duplicates: Array<{ itemIndex: number; key: string; first: number }> = [];
		prepared.forEach((item, itemIndex) => {
			if (item.status === 'rejected' || ownJob(itemIndex)) return;
			const key = readKey(ctx, itemIndex);
			if (key === undefined) {
				prepared[itemIndex] = {
					status: 'rejected',
					reason: invalidInput(ctx, itemIndex, 'Once Per Key', 'is empty', 'Set Once Per Key to an expression that names the row, e.g. {{ $json.id }}.'),
				};
				return;
			}
			const first = firstItemOf.get(key);
			if (first === undefined) firstItemOf.set(key, itemIndex);
			else duplicates.push({ itemIndex, key, first });
		});

		const keys = [...firstItemOf.keys()];
		const { processed } = await inStoreQueue(workflowId, async () => await claimKeys(ctx, keys));
		const now = new Date().toISOString();
		const claimed = new Map<number, string>();
		for (const [key, itemIndex] of firstItemOf) {
			const local = `${workflowId}\n${key}`;
			if (processed.has(key)) {
				skipped.set(itemIndex, skippedItem(itemIndex, key, claimedHere.get(local) ?? null, 'by an earlier run'));
				continue;
			}
			claimed.set(itemIndex, key);
			remember(local, now);
		}
		for (const { itemIndex, key, first } of duplicates) {
			const byThisRun = claimed.has(first);
			skipped.set(itemIndex, skippedItem(itemIndex, key, byThisRun ? now : (claimedHere.get(`${workflowId}\n${key}`) ?? null), byThisRun ? `for item ${first} of this run` : 'by an earlier run'));
		}
		if (skipped.size > 0) ctx.logger.info(`Once Per Key: ${skipped.size} item(s) skipped, their key was claimed already`, { items: [...skipped.keys()] });
		return new OncePerKey(ctx, workflowId, claimed, skipped);
	}

	/** The item a skipped input comes out as (no job was submitted for it). */
	skippedItem(itemIndex: number): INodeExecutionData | undefined {
		return this.skipped.get(itemIndex);
	}

	isSkipped(itemIndex: number): boolean {
		return this.skipped.has(itemIndex);
	}

	/**
	 * Runs an item's job; when it fails before a job exists, its key is released at once (not when the
	 * whole batch ends), so the next tick can try it while this run's other jobs still render.
	 */
	async run(itemIndex: number, task: () => Promise<INodeExecutionData>, jobExists: (outcome: Outcome) => boolean): Promise<INodeExecutionData> {
		const outcome = await task().then(
			(value): Outcome => ({ status: 'fulfilled', value }),
			(reason: unknown): Outcome => ({ status: 'rejected', reason }),
		);
		if (outcome.status === 'fulfilled') return outcome.value;
		const key = this.claimed.get(itemIndex);
		if (key !== undefined && !jobExists(outcome)) {
			this.claimed.delete(itemIndex);
			await this.release([key]);
		}
		throw outcome.reason;
	}

	/** Notes the items whose job exists (or may): their keys stay claimed. */
	noteOutcomes(outcomes: Outcome[], jobExists: (outcome: Outcome) => boolean): void {
		outcomes.forEach((outcome, itemIndex) => {
			if (this.claimed.has(itemIndex) && !this.skipped.has(itemIndex) && jobExists(outcome)) this.keep.add(itemIndex);
		});
	}

	/** Releases the key of every claimed item that has no job, so the next run tries it again. */
	async settle(): Promise<void> {
		await this.release([...this.claimed].filter(([itemIndex]) => !this.keep.has(itemIndex)).map(([, key]) => key));
	}

	private async release(release: string[]): Promise<void> {
		if (release.length === 0) return;
		for (const key of release) claimedHere.delete(`${this.workflowId}\n${key}`);
		try {
			await inStoreQueue(this.workflowId, async () => await this.ctx.helpers.removeProcessed(release.map(stored), 'workflow', STORE));
		} catch (error) {
			// The run's own error matters more; the operator learns which keys stay claimed.
			this.ctx.logger.error(`Once Per Key: could not release ${release.length} key(s) of items without a job; they stay claimed until cleared`, {
				keys: release,
				error: (error as Error).message,
			});
		}
	}
}

function readKey(ctx: IExecuteFunctions, itemIndex: number): string | undefined {
	const value = ctx.getNodeParameter('advancedOptions.oncePerKey', itemIndex, '') as unknown;
	if (value === undefined || value === null) return undefined;
	const key = (typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean)).trim();
	return key === '' ? undefined : key;
}

const stored = (key: string) => KEY_PREFIX + key;

/** Records the keys; returns those that were recorded already. Read back once: a write lost to another process's is made again. */
async function claimKeys(ctx: IExecuteFunctions, keys: string[]): Promise<{ processed: Set<string> }> {
	if (keys.length === 0) return { processed: new Set() };
	try {
		const first = await ctx.helpers.checkProcessedAndRecord(keys.map(stored), 'workflow', STORE);
		const processed = new Set(first.processed.map((key) => String(key).slice(KEY_PREFIX.length)));
		const ours = keys.filter((key) => !processed.has(key));
		if (ours.length > 0) {
			const again = await ctx.helpers.checkProcessedAndRecord(ours.map(stored), 'workflow', STORE);
			if (again.new.length > 0) ctx.logger.warn(`Once Per Key: ${again.new.length} claim(s) were overwritten by another run at the same instant and were recorded again`);
		}
		return { processed };
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `Once Per Key could not claim the items' keys: ${(error as Error).message}`, {
			description: 'Nothing was uploaded or submitted. Check that n8n can write to its database, then run again.',
		});
	}
}

function skippedItem(itemIndex: number, key: string, claimedAt: string | null, by: string): INodeExecutionData {
	return {
		json: {
			skipped: 'alreadySubmitted',
			key,
			claimedAt,
			message: `A job for Once Per Key "${key}" was submitted ${by}: nothing was submitted for this item. To render it again, use a new key (see the README, "Scheduled batches").`,
		},
		pairedItem: { item: itemIndex },
	};
}

function remember(local: string, at: string): void {
	claimedHere.delete(local);
	claimedHere.set(local, at);
	if (claimedHere.size > MAX_KEYS) claimedHere.delete(claimedHere.keys().next().value as string);
}

async function inStoreQueue<T>(workflowId: string, task: () => Promise<T>): Promise<T> {
	const before = storeQueues.get(workflowId) ?? Promise.resolve();
	const mine = before.then(task, task);
	const tail = mine.catch(() => undefined);
	storeQueues.set(workflowId, tail);
	void tail.then(() => {
		if (storeQueues.get(workflowId) === tail) storeQueues.delete(workflowId);
	});
	return await mine;
}
