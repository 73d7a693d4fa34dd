// Tests never reach the internet: nock refuses every host except the loopback servers tests start.
import nock from 'nock';

nock.disableNetConnect();
nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost') || host.startsWith('[::1]'));

// Jest runs test files one after another in a worker, each with its own copy of nock, but Node's
// http module is shared: a file's nock left active keeps answering (and refusing) the requests
// of the files after it, whose own interceptors then never match. Undo it when the file ends.
afterAll(() => nock.restore());
