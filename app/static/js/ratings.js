// The ratings grid form and the SAF scores form, live: each row's suggested Overall and each key
// question's SAF percentage and rating are worked out again as the user chooses.
// Progressive enhancement only: without JavaScript the server shows the same after "Check
// suggestions" or "Calculate", and always works them out again itself when the form is saved.
//
// suggest() ports app/domain/aggregate.py suggest(), suggestOver() ports
// app/inspections/services/ratings.py suggest_over(), scoreKeyQuestion() ports app/domain/saf.py
// score_key_question(); tests/inspections/test_ratings_form.py and test_saf.py run these in
// Chromium and compare them with the Python for a table of cases.

export const RATINGS = ['Outstanding', 'Good', 'Requires improvement', 'Inadequate']
export const NON_RATINGS = [
  'Inspected but not rated',
  'Insufficient evidence to rate',
  'No published rating',
  'Not rated',
  'Rating under appeal',
  'Rating suspended'
]
export const KEY_QUESTIONS = ['Safe', 'Effective', 'Caring', 'Responsive', 'Well-led']
const [OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE] = RATINGS

// Underscores, hyphens and runs of whitespace count as one space (app/domain/ratings.py _key).
const key = (text) => text.replace(/[\s_-]+/g, ' ').trim().toLowerCase()
const BY_KEY = new Map([...RATINGS, ...NON_RATINGS].map((value) => [key(value), value]))

export function parseRating (text) {
  const canonical = typeof text === 'string' ? BY_KEY.get(key(text)) : undefined
  if (canonical === undefined) throw new Error(`Unknown rating ${JSON.stringify(text)}`)
  return canonical
}

export function isRating (value) {
  try {
    return RATINGS.includes(parseRating(value))
  } catch {
    return false
  }
}

export function threshold (n) {
  if (n < 1) throw new Error(`threshold needs at least one rating, got n=${n}`)
  if (n <= 3) return 1
  if (n <= 8) return 2
  return 3
}

const band = (n) => (n <= 3 ? '1–3 ratings' : n <= 8 ? '4–8 ratings' : '9 or more ratings')
const are = (count) => (count === 1 ? 'is' : 'are')

export function suggest (ratings) {
  const counted = ratings.map(parseRating).filter(isRating)
  const n = counted.length
  if (n === 0) return { rating: null, rule: 'no-ratings', explanation: 'There are no ratings to aggregate.' }
  const count = (rating) => counted.filter((value) => value === rating).length
  const t = threshold(n)
  const ruleText = `(threshold ${t} for ${band(n)})`
  const inadequate = count(INADEQUATE)
  const ri = count(REQUIRES_IMPROVEMENT)
  const outstanding = count(OUTSTANDING)
  const good = count(GOOD)

  if (inadequate >= t) {
    return {
      rating: INADEQUATE,
      rule: 'enough-inadequate',
      explanation: `${inadequate} of ${n} ratings ${are(inadequate)} Inadequate ${ruleText}.`
    }
  }
  if (inadequate) {
    return {
      rating: REQUIRES_IMPROVEMENT,
      rule: 'any-inadequate',
      explanation: `${inadequate} of ${n} ratings ${are(inadequate)} Inadequate ${ruleText}, ` +
        'which limits the result to Requires improvement at best.'
    }
  }
  if (ri >= t) {
    return {
      rating: REQUIRES_IMPROVEMENT,
      rule: 'enough-requires-improvement',
      explanation: `${ri} of ${n} ratings ${are(ri)} Requires improvement ${ruleText}.`
    }
  }
  if (outstanding >= t && outstanding + good === n) {
    return {
      rating: OUTSTANDING,
      rule: 'enough-outstanding',
      explanation: `${outstanding} of ${n} ratings ${are(outstanding)} Outstanding and the rest Good ${ruleText}.`
    }
  }
  return {
    rating: GOOD,
    rule: 'good',
    explanation: `${outstanding} Outstanding, ${good} Good and ${ri} Requires improvement of ${n} ` +
      `ratings, with none Inadequate ${ruleText}.`
  }
}

// The value of each key: the rating entered for this report, else the rating carried forward;
// a non-rating entered now never displaces a carried-forward rating.
export function suggestOver (entered, carried, keys) {
  const values = []
  const used = []
  for (const k of keys) {
    const mine = entered[k] || ''
    const before = carried[k] || ''
    if (isRating(mine)) {
      values.push(mine)
    } else if (isRating(before)) {
      values.push(before)
      used.push(k)
    }
  }
  return { suggestion: suggest(values), carried: used }
}

// Whether an entered Overall disagrees with the suggestion (app/domain/aggregate.py differs).
export function differs (suggestion, entered) {
  if (suggestion.rating === null || !entered) return false
  return isRating(entered) && parseRating(entered) !== suggestion.rating
}

const BANDS = [[88, OUTSTANDING], [63, GOOD], [39, REQUIRES_IMPROVEMENT], [25, INADEQUATE]]

export function scoreKeyQuestion (scores) {
  if (!scores.length) throw new Error('a key question needs at least one quality statement score')
  scores.forEach((score, position) => {
    if (!Number.isInteger(score)) throw new Error(`score ${score} at position ${position} is not a whole number 1–4`)
    if (score < 1 || score > 4) throw new Error(`score ${score} at position ${position} is outside 1–4`)
  })
  const total = scores.reduce((sum, score) => sum + score, 0)
  const maximum = 4 * scores.length
  // Round half up in integers, as the Python does: floor(100 × total / maximum + 1/2).
  const percent = Math.floor((200 * total + maximum) / (2 * maximum))
  const rating = BANDS.find(([floor]) => percent >= floor)[1]
  return { total, maximum, percent, rating }
}

// --- The page -----------------------------------------------------------------------------

const RATING_CLASSES = {
  Outstanding: 'outstanding',
  Good: 'good',
  'Requires improvement': 'requires-improvement',
  Inadequate: 'inadequate'
}

// The same markup as the rating_badge macro (_partials/ratings.html): the word, and a star.
function badge (rating) {
  const span = document.createElement('span')
  span.className = `ql-rating ql-rating--${RATING_CLASSES[rating] || 'not-rated'}`
  if (rating === OUTSTANDING) {
    const star = document.createElement('span')
    star.className = 'ql-rating__star'
    star.setAttribute('aria-hidden', 'true')
    star.textContent = '★'
    span.append(star, ' ')
  }
  span.append(rating)
  return span
}

function carriedOf (container) {
  try {
    return JSON.parse(container.dataset.carried || '{}')
  } catch {
    return {}
  }
}

function rowValues (form, rowKey) {
  const values = {}
  for (const select of form.querySelectorAll('select[data-row]')) {
    if (select.dataset.row === rowKey) values[select.dataset.column] = select.value
  }
  return values
}

function showRow (form, container) {
  const rowKey = container.dataset.suggestionRow
  const entered = rowValues(form, rowKey)
  const { suggestion, carried } = suggestOver(entered, carriedOf(container), KEY_QUESTIONS)
  const rating = container.querySelector('[data-suggestion-rating]')
  rating.replaceChildren(suggestion.rating ? badge(suggestion.rating) : 'None')
  container.querySelector('[data-suggestion-why]').textContent = suggestion.explanation
  const carriedText = container.querySelector('[data-suggestion-carried]')
  carriedText.textContent = carried.length ? `Counts ${carried.join(', ')} as carried forward from earlier reports.` : ''
  carriedText.hidden = !carried.length
  container.querySelector('[data-suggestion-differs]').hidden = !differs(suggestion, entered.Overall)
}

function showServices (form) {
  const containers = [...form.querySelectorAll('[data-suggestion-row]')]
    .filter((container) => container.dataset.suggestionRow.startsWith('department-'))
  const rowKeys = containers.map((container) => container.dataset.suggestionRow)
  for (const hint of form.querySelectorAll('[data-services-column]')) {
    const column = hint.dataset.servicesColumn
    const entered = {}
    const carried = {}
    for (const container of containers) {
      const rowKey = container.dataset.suggestionRow
      entered[rowKey] = rowValues(form, rowKey)[column] || ''
      carried[rowKey] = carriedOf(container)[column] || ''
    }
    const { suggestion } = suggestOver(entered, carried, rowKeys)
    hint.querySelector('[data-services-rating]').textContent = suggestion.rating || 'none'
  }
}

export function enhanceRatingsForm (root) {
  const form = root.querySelector('form.ql-ratings-form')
  if (!form) return
  const containers = () => form.querySelectorAll('[data-suggestion-row]')
  // Values the browser restored (going back to the page) may differ from the server's.
  containers().forEach((container) => showRow(form, container))
  showServices(form)
  form.addEventListener('change', (event) => {
    const select = event.target.closest('select[data-row]')
    if (!select) return
    const container = form.querySelector(`[data-suggestion-row="${select.dataset.row}"]`)
    if (container) showRow(form, container)
    if (select.dataset.scope === 'department') showServices(form)
  })
}

function showKeyQuestion (fieldset) {
  const keyQuestion = fieldset.dataset.safKeyQuestion
  const scores = [...fieldset.querySelectorAll('input[data-saf-score]:checked')]
    .map((input) => input.value)
    .filter((value) => /^[1-4]$/.test(value))
    .map(Number)
  const result = fieldset.querySelector(`[data-saf-result="${keyQuestion}"]`)
  if (!result) return
  const summary = result.querySelector('[data-saf-summary]')
  const rating = result.querySelector('[data-saf-rating]')
  if (!scores.length) {
    summary.textContent = 'no statement scored yet'
    rating.replaceChildren()
    return
  }
  const score = scoreKeyQuestion(scores)
  summary.textContent = `${score.total} of ${score.maximum} points from ${score.maximum / 4} of ` +
    `${result.dataset.statements} statements: ${score.percent}%`
  rating.replaceChildren(badge(score.rating))
}

export function enhanceSafForm (root) {
  const form = root.querySelector('form.ql-saf-form')
  if (!form) return
  const fieldsets = form.querySelectorAll('[data-saf-key-question]')
  fieldsets.forEach(showKeyQuestion)
  form.addEventListener('change', (event) => {
    const fieldset = event.target.closest('[data-saf-key-question]')
    if (fieldset && event.target.matches('input[data-saf-score]')) showKeyQuestion(fieldset)
  })
}

if (typeof document !== 'undefined') {
  enhanceRatingsForm(document)
  enhanceSafForm(document)
}
