import type { Fault, FaultRule, RouteName } from './types';

/** Fault kinds that only make sense on some routes; everything else applies anywhere. */
const ROUTE_ONLY: Partial<Record<Fault['kind'], RouteName[]>> = {
	'reset-after-accept': ['submit'],
	'delay-after-accept': ['submit'],
	stall: ['stream', 'cdn'],
	'end-early': ['stream'],
};

interface ActiveRule {
	rule: FaultRule;
	used: number;
}

/** The fault rules in force. The first matching rule wins; a seeded PRNG decides probabilities so runs repeat. */
export class FaultBook {
	private rules: ActiveRule[] = [];
	private random: () => number;

	constructor(private readonly seed: number) {
		this.random = seededRandom(seed);
	}

	add(rule: FaultRule): void {
		this.rules.push({ rule, used: 0 });
	}

	clear(): void {
		this.rules = [];
		this.random = seededRandom(this.seed);
	}

	/** Picks the fault for one request (and counts it against the rule's `times`), if any applies. */
	take(route: RouteName, requestId: string | undefined): Fault | undefined {
		for (const active of this.rules) {
			const { rule } = active;
			if (rule.route !== '*' && rule.route !== route) continue;
			if (rule.requestId !== undefined && rule.requestId !== requestId) continue;
			if (rule.times !== undefined && active.used >= rule.times) continue;
			const onlyOn = ROUTE_ONLY[rule.fault.kind];
			if (onlyOn !== undefined && !onlyOn.includes(route)) continue;
			if (rule.probability !== undefined && rule.probability < 1 && this.random() >= rule.probability) continue;
			active.used++;
			return rule.fault;
		}
		return undefined;
	}
}

/** mulberry32: tiny, fast, good enough to make fault sequences repeatable. */
function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
