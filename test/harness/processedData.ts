/**
 * n8n's processed-data store (`this.helpers.checkProcessedAndRecord`, `removeProcessed`) for the
 * engine. n8n-core only defines the service; n8n's server (packages/cli, `DeduplicationHelper`) backs
 * it with the `processed_data` table, which needs n8n's database layer. This harness registers an
 * in-process table with the same semantics for mode `entries`: one row per workflow (and node, for
 * scope `node`) holding md5 hashes of the keys, read whole and written back whole after an awaited
 * gap, so the store is as non-atomic here as it is in n8n. The real table is used by the e2e run.
 */
import { createHash } from 'node:crypto';

import { DataDeduplicationService } from 'n8n-core';
import type { DeduplicationScope, ICheckProcessedContextData, ICheckProcessedOptions, IDataDeduplicator, IDeduplicationOutput } from 'n8n-workflow';

type Key = string | number;

class InProcessProcessedData implements IDataDeduplicator {
	/** `workflowId|context` -> the stored list of hashes, as the processed_data row's value.data. */
	readonly rows = new Map<string, string[]>();

	async checkProcessedAndRecord(items: Key[], scope: DeduplicationScope, contextData: ICheckProcessedContextData, options: ICheckProcessedOptions): Promise<IDeduplicationOutput> {
		const row = rowOf(scope, contextData);
		const stored = await this.read(row);
		const hashes = stored ? [...stored] : [];
		const before = new Set(hashes);
		const output: IDeduplicationOutput = { new: [], processed: [] };
		for (const item of items) {
			const hash = hashOf(item);
			if (before.has(hash)) {
				output.processed.push(item);
				continue;
			}
			output.new.push(item);
			hashes.push(hash);
		}
		if (options.maxEntries) hashes.splice(0, Math.max(0, hashes.length - options.maxEntries));
		await this.write(row, hashes);
		return output;
	}

	async removeProcessed(items: Key[], scope: DeduplicationScope, contextData: ICheckProcessedContextData): Promise<void> {
		const row = rowOf(scope, contextData);
		const stored = await this.read(row);
		if (!stored) return;
		const hashes = [...stored];
		for (const item of items) {
			const index = hashes.indexOf(hashOf(item));
			if (index !== -1) hashes.splice(index, 1);
		}
		await this.write(row, hashes);
	}

	async clearAllProcessedItems(scope: DeduplicationScope, contextData: ICheckProcessedContextData): Promise<void> {
		this.rows.delete(rowOf(scope, contextData));
	}

	async getProcessedDataCount(scope: DeduplicationScope, contextData: ICheckProcessedContextData): Promise<number> {
		return this.rows.get(rowOf(scope, contextData))?.length ?? 0;
	}

	/** A database round trip: other work may run between the read and the write. */
	private async read(row: string): Promise<string[] | undefined> {
		await new Promise((resolve) => setImmediate(resolve));
		return this.rows.get(row);
	}

	private async write(row: string, hashes: string[]): Promise<void> {
		await new Promise((resolve) => setImmediate(resolve));
		this.rows.set(row, hashes);
	}
}

function rowOf(scope: DeduplicationScope, contextData: ICheckProcessedContextData): string {
	if (!contextData.workflow.id) throw new Error('processed data needs a workflow id');
	return `${contextData.workflow.id}|${scope === 'node' ? `n:${contextData.node?.id}` : ''}`;
}

/** As DeduplicationHelper.createValueHash. */
function hashOf(item: Key): string {
	return createHash('md5').update(item.toString()).digest('base64');
}

export const processedData = new InProcessProcessedData();
void DataDeduplicationService.init(processedData);
