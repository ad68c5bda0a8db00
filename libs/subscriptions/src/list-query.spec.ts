import { MAX_PAGE, parseListQuery } from './list-query';

describe('parseListQuery', () => {
  it('defaults to the first page of every status', () => {
    expect(parseListQuery({})).toEqual({ ok: true, value: { page: 1 } });
  });

  it('reads a page and a status', () => {
    expect(parseListQuery({ page: '7', status: 'past_due' })).toEqual({ ok: true, value: { page: 7, status: 'past_due' } });
    expect(parseListQuery({ page: String(MAX_PAGE) })).toEqual({ ok: true, value: { page: MAX_PAGE } });
    expect(parseListQuery({ page: '001' })).toEqual({ ok: true, value: { page: 1 } });
  });

  it.each(['0', '-1', 'abc', '', '1.5', '1e3', ' 1', '+1', '0x10', String(MAX_PAGE + 1), '9999999'])('refuses page=%j', (page) => {
    expect(parseListQuery({ page })).toEqual({ ok: false, errors: [{ field: 'page', message: `must be a whole number from 1 to ${MAX_PAGE}` }] });
  });

  it.each(['foo', '', 'ACTIVE', 'active '])('refuses status=%j', (status) => {
    expect(parseListQuery({ status })).toEqual({
      ok: false,
      errors: [{ field: 'status', message: 'must be one of: active, cancelled, past_due' }],
    });
  });

  it('refuses unknown and repeated parameters, reporting every problem', () => {
    expect(parseListQuery({ pageSize: '500', page: ['1', '2'], status: 'foo' })).toEqual({
      ok: false,
      errors: [
        { field: 'pageSize', message: 'is not a known parameter' },
        { field: 'page', message: 'must be given once' },
        { field: 'status', message: 'must be one of: active, cancelled, past_due' },
      ],
    });
  });
});
