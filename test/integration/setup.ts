// Transactions wait for commits and some tests restart the network: allow minutes, not seconds.
jest.setTimeout(180_000);
