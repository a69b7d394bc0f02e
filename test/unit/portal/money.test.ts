/** What billing clerks and adjusters type: amounts, bill items and coverage; a wrong entry is refused naming it. */
import { money, parseBillItems, parseCoverage, toCents, toPercent } from '../../../portal/src/money';

describe('amounts in the portal', () => {
  it('reads units with up to two decimals as integer cents, and shows cents with two decimals', () => {
    expect([toCents('120'), toCents('120.5'), toCents(' 120.50 '), toCents('0.07')]).toEqual([12000, 12050, 12050, 7]);
    expect([money(12050), money(7), money(0), money(-150)]).toEqual(['120.50', '0.07', '0.00', '-1.50']);
  });

  it('refuses an amount that is not a number with at most two decimals, naming it', () => {
    for (const bad of ['', '12,50', '1.005', '-3', 'ten', '1e3'])
      expect(() => toCents(bad, 'the amount for record REC-1')).toThrow(
        /^the amount for record REC-1 \(".*"\) must be/,
      );
  });

  it('reads a whole percent and refuses anything else', () => {
    expect([toPercent('10', 'the co-pay'), toPercent('10 %', 'the co-pay')]).toEqual([10, 10]);
    expect(() => toPercent('10.5', 'the co-pay')).toThrow('the co-pay ("10.5") must be a whole percent');
  });
});

describe('bill items a clerk types', () => {
  it('reads "category amount description [record]" one a line, skipping blank lines', () => {
    expect(parseBillItems('procedure 120.50 Appendectomy [REC-1a]\n\n  imaging 80 Chest X-ray, two views ')).toEqual([
      { category: 'procedure', amount: 12050, description: 'Appendectomy', recordId: 'REC-1a' },
      { category: 'imaging', amount: 8000, description: 'Chest X-ray, two views' },
    ]);
  });

  it('refuses an empty bill, an unknown category, a bad amount and a missing description, naming the line', () => {
    expect(() => parseBillItems(' \n')).toThrow('name at least one item');
    expect(() => parseBillItems('procedure 10 ok\nsurgery 10 x')).toThrow(
      /^item 2 \("surgery 10 x"\): the category must be one of allergy, /,
    );
    expect(() => parseBillItems('procedure ten Appendectomy')).toThrow(
      'the amount of item 1 ("procedure ten Appendectomy") ("ten") must be a number',
    );
    expect(() => parseBillItems('procedure 10')).toThrow('item 1 ("procedure 10") needs a category, an amount');
  });
});

describe('coverage an adjuster types', () => {
  it('reads "category percent" pairs', () => {
    expect(parseCoverage('procedure 80, diagnosis 50 %,')).toEqual({ procedure: 80, diagnosis: 50 });
  });

  it('refuses an unknown category, a missing percent and no coverage at all', () => {
    expect(() => parseCoverage('dental 80')).toThrow('coverage "dental 80" must be a category');
    expect(() => parseCoverage('procedure')).toThrow('coverage "procedure" must be a category');
    expect(() => parseCoverage(' , ')).toThrow('name at least one covered category');
  });
});
