import { chunksOf } from '../../../../nodes/StableAvatar/transport/storage';

async function* stream(sizes: number[]) {
	let value = 0;
	for (const size of sizes) yield Buffer.alloc(size, value++);
}

async function partSizes(source: Buffer | AsyncIterable<Uint8Array>, size: number): Promise<number[]> {
	const sizes: number[] = [];
	for await (const part of chunksOf(source, size)) sizes.push(part.length);
	return sizes;
}

describe('chunksOf', () => {
	test('re-slices a stream of uneven chunks into parts of exactly the part size', async () => {
		expect(await partSizes(stream([3, 7, 1, 9, 2]), 5)).toEqual([5, 5, 5, 5, 2]);
	});

	test('keeps the bytes in order', async () => {
		const parts: Buffer[] = [];
		for await (const part of chunksOf(stream([2, 2, 2]), 4)) parts.push(part);
		expect(Buffer.concat(parts)).toEqual(Buffer.from([0, 0, 1, 1, 2, 2]));
	});

	test('slices a buffer the same way', async () => {
		expect(await partSizes(Buffer.alloc(11), 4)).toEqual([4, 4, 3]);
	});

	test('yields nothing for an empty source', async () => {
		expect(await partSizes(stream([]), 4)).toEqual([]);
	});
});
