/** The cost arithmetic: $0.10 a second, at least 4 s, unknown durations at the five-minute maximum. */
import { bestCost, costOf, estimateRun, usdFor } from '../../../../nodes/StableAvatar/transport/cost';

test('fal bills at least 4 seconds, then $0.10 a second', () => {
	expect(usdFor(0.5)).toBe(0.4);
	expect(usdFor(4)).toBe(0.4);
	expect(usdFor(60)).toBe(6);
	expect(usdFor(300)).toBe(30);
	expect(usdFor(12.345)).toBe(1.23);
});

test('a cost says where its seconds came from, and is always an estimate', () => {
	expect(costOf(61.2, 'video')).toEqual({ seconds: 61.2, usd: 6.12, basis: 'video', estimate: true });
	expect(bestCost(3, 60)).toMatchObject({ seconds: 3, basis: 'video' });
	expect(bestCost(undefined, 60)).toMatchObject({ seconds: 60, basis: 'audio' });
	expect(bestCost(undefined, undefined)).toEqual({ seconds: null, usd: null, basis: null, estimate: true });
});

test('a run counts unknown durations at five minutes and lists its items dearest first', () => {
	const run = estimateRun([
		{ itemIndex: 0, seconds: 60 },
		{ itemIndex: 1 },
		{ itemIndex: 2, seconds: 2 },
		{ itemIndex: 3, seconds: 60 },
	]);
	expect(run.totalUsd).toBe(42.4);
	expect(run.unknownItems).toBe(1);
	expect(run.items.map((item) => item.itemIndex)).toEqual([1, 0, 3, 2]);
});

test('20 one-minute scripts: $120 (the README example)', () => {
	expect(estimateRun(Array.from({ length: 20 }, (_, itemIndex) => ({ itemIndex, seconds: 60 }))).totalUsd).toBe(120);
});
