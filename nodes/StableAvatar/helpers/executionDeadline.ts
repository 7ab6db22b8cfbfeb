/**
 * When the node's wait must be over so that n8n's own execution timeout (the workflow setting
 * "Timeout Workflow", `executionTimeout` in seconds) does not cut the run short first: then the
 * node's On Timeout is what happens to the job, and its output, naming the job, is kept.
 *
 * n8n starts that clock as the execution starts (and aborts the run through its cancel signal when it
 * runs out). The closest moment a node can see is the execution context's `establishedAt`, set as
 * n8n's engine starts the run, a few milliseconds after the clock. The instance-wide
 * EXECUTIONS_TIMEOUT is not visible to nodes, and a resumed execution (after a Wait node) keeps its
 * first `establishedAt` while n8n restarts the clock: a deadline already past is not this run's.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

const MIN_MARGIN_MS = 2_000;
const MAX_MARGIN_MS = 15_000;

export function executionMustEndBy(ctx: IExecuteFunctions, now = Date.now()): number | undefined {
	const seconds = ctx.getWorkflowSettings().executionTimeout;
	if (typeof seconds !== 'number' || !(seconds > 0)) return undefined;
	const startedAt = ctx.getExecutionContext?.()?.establishedAt;
	if (typeof startedAt !== 'number') return undefined;
	const abortAt = startedAt + seconds * 1000;
	if (abortAt <= now) return undefined;
	// Time to cancel the job (or not) and hand the output on before n8n aborts.
	const margin = Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, seconds * 100));
	return abortAt - margin;
}
