/**
 * The Redis prefix of the centre integration tests. The centres' message handlers take their
 * pattern namespace from REDIS_PREFIX when their modules are imported (decorators), so the fixture
 * imports this file before any app module.
 */
export const TEST_PREFIX = 'hubtest';
process.env.REDIS_PREFIX = TEST_PREFIX;
