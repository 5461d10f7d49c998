// The server renders the board; this only swaps it in when a kiosk syncs.
const status = document.getElementById('live-status');
const source = new EventSource('/dashboard/live/events');
source.addEventListener('board', (e) => {
  document.getElementById('board').innerHTML = e.data;
  status.textContent = 'live, last update ' + new Date().toLocaleTimeString();
});
source.onerror = () => { status.textContent = 'reconnecting…'; };
