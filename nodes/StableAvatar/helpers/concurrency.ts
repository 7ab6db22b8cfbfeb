/** Runs one task per item with at most `limit` at a time; every task settles, in input order. */
export async function settleWithLimit<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<Array<PromiseSettledResult<T>>> {
	const results = new Array<PromiseSettledResult<T>>(count);
	let next = 0;
	const worker = async () => {
		while (next < count) {
			const index = next++;
			try {
				results[index] = { status: 'fulfilled', value: await task(index) };
			} catch (reason) {
				results[index] = { status: 'rejected', reason };
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
	return results;
}
