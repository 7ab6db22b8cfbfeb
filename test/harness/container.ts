/**
 * n8n-core's dependency-injection container. Imported through n8n-core's own module path: the
 * lint tooling brings an older `@n8n/di` to the top of node_modules, and a second copy would be a
 * second, empty container.
 */
import { createRequire } from 'node:module';

import type { Container as ContainerType } from '@n8n/di';

const fromCore = createRequire(require.resolve('n8n-core'));

export const Container = (fromCore('@n8n/di') as { Container: typeof ContainerType }).Container;
