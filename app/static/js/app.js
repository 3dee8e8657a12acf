// Progressive enhancement only: every core job works as plain HTML forms and links.
// Marks the page as script-capable, then starts the NHS.UK frontend components.
import { initAll } from '../vendor/nhsuk/nhsuk-frontend.min.js'
import './ratings.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()
