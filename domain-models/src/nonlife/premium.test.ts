import { addDays, daysBetween } from '../common/dates';
import { Decimal, round2, toCents } from '../common/decimal';
import {
  type PremiumLayer,
  earnedPremium,
  earnedPremiumCents,
  fullTermPremiumOn,
  layerWrittenPremium,
  lowestFullTermPremium,
  premiumChangeAfter,
  premiumFigures,
  returnPremium,
  termDays,
  unexpiredPremium,
  writtenPremium,
  writtenPremiumCents,
} from './premium';

const term = { start: '2025-01-01', end: '2026-01-01' };
const layer = (premium: string, start: string, end = term.end): PremiumLayer => ({ premium: new Decimal(premium), start, end });

describe('worked example of domain.md', () => {
  // 3000 over the 365-day term, 280 days elapsed on V; a 2000 layer from day 196, so 85 of its days elapsed on V.
  const V = addDays(term.start, 279);
  const endorsedOn = addDays(V, -84);
  const layers = [layer('3000', term.start), layer('2000', endorsedOn)];

  it('counts the days of the example', () => {
    expect(termDays(term)).toBe(365);
    expect(daysBetween(term.start, V) + 1).toBe(280);
    expect(daysBetween(endorsedOn, V) + 1).toBe(85);
  });

  it('earns 3000*280/365 + 2000*85/365 = 2767.1232... -> 2767.12', () => {
    expect(earnedPremium(layers, term, V).toFixed(2)).toBe('2767.12');
  });

  it('is not the daily-rate path (8.22 * 280 + 5.48 * 85 = 2767.40)', () => {
    const wrong = round2(new Decimal(3000).div(365)).times(280).plus(round2(new Decimal(2000).div(365)).times(85));
    expect(wrong.toFixed(2)).toBe('2767.40');
    expect(earnedPremium(layers, term, V).eq(wrong)).toBe(false);
  });

  it('writes the layer on its effective date, rounded once over the layers', () => {
    expect(writtenPremium(layers, term, addDays(endorsedOn, -1)).toFixed(2)).toBe('3000.00');
    // 3000 + 2000 * 170/365 = 3931.5068...
    expect(writtenPremium(layers, term, endorsedOn).toFixed(2)).toBe('3931.51');
    expect(layerWrittenPremium(layers[1], term).toFixed(2)).toBe('931.51');
    const f = premiumFigures(layers, term, undefined, V);
    expect([f.written, f.earned, f.unearned].map((d) => d.toFixed(2))).toEqual(['3931.51', '2767.12', '1164.39']);
  });

  it('earns everything by the last day of the term', () => {
    const last = addDays(term.end, -1);
    expect(earnedPremium(layers, term, last).eq(writtenPremium(layers, term, last))).toBe(true);
    expect(premiumFigures(layers, term, undefined, term.end).unearned.isZero()).toBe(true);
  });
});

describe('earned premium', () => {
  const layers = [layer('1200', term.start)];

  it('is zero before the term and earns the start day on the start day', () => {
    expect(earnedPremium(layers, term, '2024-12-31').isZero()).toBe(true);
    // 1200 / 365 = 3.2876...
    expect(earnedPremium(layers, term, term.start).toFixed(2)).toBe('3.29');
  });

  it('rounds half-up', () => {
    // 1.825 earned in full: a tie, rounded away from zero.
    const odd = [layer('1.825', term.start)];
    expect(earnedPremium(odd, term, addDays(term.end, -1)).toFixed(2)).toBe('1.83');
  });
});

describe('cancellation', () => {
  const layers = [layer('1200', term.start)];
  const c = '2025-04-01'; // 90 days earned, 275 returned

  it('returns the pro-rata premium of the days from c on', () => {
    expect(unexpiredPremium(layers, term, c).toFixed(6)).toBe('904.109589');
    expect(returnPremium(layers, term, c, { method: 'pro-rata' }).toFixed(2)).toBe('904.11');
  });

  it('short-rate applies the factor to the unrounded pro-rata sum', () => {
    // 0.9 * 904.1095890... = 813.6986... -> 813.70
    expect(returnPremium(layers, term, c, { method: 'short-rate', shortRateFactor: new Decimal('0.9') }).toFixed(2)).toBe('813.70');
    // 1000 with 6 days left: pro-rata 16.438356... -> 16.44; 0.9 * 16.438356... = 14.7945 -> 14.79,
    // where 0.9 * the rounded 16.44 = 14.796 would give 14.80.
    const small = [layer('1000', term.start)];
    const lastSix = addDays(term.end, -6);
    expect(returnPremium(small, term, lastSix, { method: 'pro-rata' }).toFixed(2)).toBe('16.44');
    expect(returnPremium(small, term, lastSix, { method: 'short-rate', shortRateFactor: new Decimal('0.9') }).toFixed(2)).toBe('14.79');
  });

  it('makes written = writtenBefore - returnPremium and earned = written from c on, nothing before', () => {
    const cancellation = { effectiveDate: c, returnPremium: new Decimal('904.11') };
    const before = premiumFigures(layers, term, cancellation, addDays(c, -1));
    expect([before.written, before.earned, before.unearned].map((d) => d.toFixed(2))).toEqual(['1200.00', '295.89', '904.11']);
    for (const asOf of [c, '2025-06-30', '2027-01-01']) {
      const after = premiumFigures(layers, term, cancellation, asOf);
      expect([after.written, after.earned, after.unearned].map((d) => d.toFixed(2))).toEqual(['295.89', '295.89', '0.00']);
    }
  });

  it('returns only layers still running on c, from the later of their start and c', () => {
    const mixed = [layer('1200', term.start), layer('365', '2025-03-01', '2025-03-11'), layer('730', '2025-06-01')];
    // 1200 * 275/365 + 0 (ended) + 730 * 214/365
    const expected = new Decimal(1200 * 275 + 730 * 214).div(365);
    expect(unexpiredPremium(mixed, term, c).eq(expected)).toBe(true);
  });
});

describe('full-term premium', () => {
  it('is a step function of the date over the layers in force', () => {
    const layers = [layer('1000', term.start), layer('-400', '2025-03-01'), layer('200', '2025-02-01', '2025-04-01')];
    expect(fullTermPremiumOn(layers, '2025-01-15').toFixed(2)).toBe('1000.00');
    expect(fullTermPremiumOn(layers, '2025-02-15').toFixed(2)).toBe('1200.00');
    expect(fullTermPremiumOn(layers, '2025-03-15').toFixed(2)).toBe('800.00');
    expect(fullTermPremiumOn(layers, '2025-04-01').toFixed(2)).toBe('600.00');
    expect(lowestFullTermPremium(layers, term).toFixed(2)).toBe('600.00');
  });

  it('finds a premium change after a date, but not a change reversed on the same date', () => {
    const layers = [layer('1000', term.start), layer('500', '2025-09-01')];
    expect(premiumChangeAfter(layers, term, '2025-06-01')).toBe('2025-09-01');
    expect(premiumChangeAfter(layers, term, '2025-09-01')).toBeUndefined();
    expect(premiumChangeAfter([...layers, layer('-500', '2025-09-01')], term, '2025-06-01')).toBeUndefined();
  });
});

describe('cent figures (the report series)', () => {
  it('earnedPremiumCents and writtenPremiumCents equal the Decimal figures in cents on 20,000 random policies and dates', () => {
    let seed = 20261204;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      const start = addDays('2025-01-01', next(400));
      const t = { start, end: addDays(start, 1 + next(800)) };
      const layers: PremiumLayer[] = [];
      for (let k = 0, n = 1 + next(4); k < n; k++) {
        const from = k === 0 ? t.start : addDays(t.start, next(daysBetween(t.start, t.end)));
        const cents = BigInt(next(5_000_000)) - (k === 0 ? 0n : 2_000_000n);
        const premium = new Decimal(cents.toString()).div(next(3) === 0 ? 1000 : 100);
        layers.push({ premium, start: from, end: t.end });
      }
      const date = addDays(t.start, next(daysBetween(t.start, t.end) + 60) - 30);
      expect({ i, earned: earnedPremiumCents(layers, t, date) }).toEqual({ i, earned: toCents(earnedPremium(layers, t, date)) });
      expect({ i, written: writtenPremiumCents(layers, t, date) }).toEqual({ i, written: toCents(writtenPremium(layers, t, date)) });
    }
  });
});
