/**
 * Budget per Execution, for the node as an AI Agent's tool. Every tool call is its own node run, so
 * Max Estimated Cost (per run) cannot bound what an agent spends over many calls. Here each call's
 * estimated cost is added up per execution and tool node, and a call that would take the sum over the
 * budget is refused before anything is uploaded or submitted. Tool mode also insists on knowing the
 * audio's duration: an unknown one could be a five-minute, $30 job.
 *
 * Kept in this process's memory: it spans one execution (an agent's whole run, every turn and
 * iteration of it), not sub-workflows, which are executions of their own, and not other processes.
 * Bounded in size and forgotten a day after an execution's last call.
 */
import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { DEFAULT_TOOL_BUDGET_USD } from '../descriptions/toolMode';
import { MAX_AUDIO_SECONDS, usdFor } from '../transport/cost';
import type { ModelInput } from './modelInput';
import { refusedBeforeSubmit } from './toolMode';
import { checkedNumber } from './validation';

interface Ledger {
	spentUsd: number;
	touchedAt: number;
}

const MAX_EXECUTIONS = 1000;
const FORGET_AFTER_MS = 24 * 60 * 60_000;
const ledgers = new Map<string, Ledger>();

/** One tool call's share of the budget: reserved before submit, given back when no job came of it. */
export class ToolBudgetReservation {
	private settled = false;

	constructor(
		private readonly ledger: Ledger,
		private readonly usd: number,
	) {}

	/** No job exists for this call (it failed before fal accepted one): the money was not spent. */
	release(): void {
		if (this.settled) return;
		this.settled = true;
		this.ledger.spentUsd = cents(this.ledger.spentUsd - this.usd);
	}

	/** A job exists: the reservation stays spent. */
	keep(): void {
		this.settled = true;
	}
}

/**
 * Checks one tool call's items (the model's arguments) and reserves their estimated cost. `replayed`
 * tells which items come back from an earlier try (Retry On Fail) and so submit nothing.
 */
export function reserveToolBudget(
	ctx: IExecuteFunctions,
	prepared: Array<PromiseSettledResult<unknown>>,
	replayed: (itemIndex: number) => boolean,
	now = Date.now(),
): ToolBudgetReservation {
	const budgetUsd = readToolBudgetUsd(ctx);
	let callUsd = 0;
	let callSeconds = 0;
	prepared.forEach((item, itemIndex) => {
		if (item.status !== 'fulfilled' || replayed(itemIndex)) return;
		const seconds = (item.value as { input?: ModelInput }).input?.audioSeconds;
		if (seconds === undefined) {
			throw refusal(
				ctx,
				"The length of the audio at audio_url could not be read, so the video's cost is unknown and nothing was submitted",
				'Give a direct link to an audio file (MP3, WAV, M4A, OGG or FLAC) that the server sends as it is, without a login or a web page in between.',
			);
		}
		if (seconds > MAX_AUDIO_SECONDS) {
			throw refusal(
				ctx,
				`The audio at audio_url is ${seconds.toFixed(1)} s long, over the 5-minute (300 s) limit; nothing was submitted`,
				'Use a shorter recording, or split the speech into parts of at most 5 minutes and make one video per part.',
			);
		}
		callSeconds += seconds;
		callUsd = cents(callUsd + usdFor(seconds));
	});

	forgetStale(now);
	const key = JSON.stringify([ctx.getExecutionId() ?? '', ctx.getNode().name]);
	let ledger = ledgers.get(key);
	if (!ledger) {
		ledger = { spentUsd: 0, touchedAt: now };
		ledgers.set(key, ledger);
	}
	ledger.touchedAt = now;
	if (cents(ledger.spentUsd + callUsd) > budgetUsd) {
		throw refusal(
			ctx,
			`Over budget: this video would cost about ${money(callUsd)} (${callSeconds.toFixed(1)} s of audio at $0.10 per second), and this workflow run has already spent about ${money(ledger.spentUsd)} of its ${money(budgetUsd)} budget for this tool; nothing was submitted`,
			'Do not call this tool again in this run. Tell the user the video budget is used up; they can raise "Budget per Execution (USD)" on the tool.',
		);
	}
	// Reserved now, synchronously, so calls running side by side see each other's share.
	ledger.spentUsd = cents(ledger.spentUsd + callUsd);
	return new ToolBudgetReservation(ledger, callUsd);
}

/** Always on in tool mode; to lift it, a user sets a higher figure. */
function readToolBudgetUsd(ctx: IExecuteFunctions): number {
	const value = ctx.getNodeParameter('toolBudgetUsd', 0, DEFAULT_TOOL_BUDGET_USD);
	return checkedNumber(ctx, 0, value ?? DEFAULT_TOOL_BUDGET_USD, { label: 'Budget per Execution (USD)', min: 0, max: 1_000_000, integer: false });
}

/** After the call: its share stays spent when any item's job exists (or may), else it is given back. */
export function settleReservation(reservation: ToolBudgetReservation | undefined, jobsExist: boolean[] | undefined): void {
	if (!reservation) return;
	if (jobsExist?.some(Boolean)) reservation.keep();
	else reservation.release();
}

function refusal(ctx: IExecuteFunctions, message: string, advice: string): NodeOperationError {
	return refusedBeforeSubmit(new NodeOperationError(ctx.getNode(), `${message}. ${advice}`));
}

function forgetStale(now: number): void {
	for (const [key, ledger] of ledgers) {
		if (ledgers.size <= MAX_EXECUTIONS && now - ledger.touchedAt < FORGET_AFTER_MS) continue;
		ledgers.delete(key);
	}
}

function cents(usd: number): number {
	return Math.round(usd * 100) / 100;
}

function money(usd: number): string {
	return `$${usd.toFixed(2)}`;
}

