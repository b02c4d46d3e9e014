/**
 * The Redis prefix of the imaging integration tests: their own, so the lab's spec files (which
 * obliterate `hubtest:` queues when they close) never touch the jobs these tests look for. The
 * centre's message handlers take their namespace from REDIS_PREFIX when its modules are imported,
 * so the fixture imports this file before any app module.
 */
export const IMAGING_TEST_PREFIX = 'hubtest-imaging';
process.env.REDIS_PREFIX = IMAGING_TEST_PREFIX;
