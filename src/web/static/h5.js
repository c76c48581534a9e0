// Enhancements only: every H5 page works without this file.
// "Sort by distance": the phone's position, asked for only when the visitor presses the button.
(function () {
  var form = document.querySelector('[data-locate]');
  if (!form || !navigator.geolocation) return;
  var status = form.querySelector('[data-locate-status]');
  form.hidden = false;
  form.addEventListener('submit', function (event) {
    if (form.lat.value) return;
    event.preventDefault();
    status.textContent = '正在获取您的位置……';
    navigator.geolocation.getCurrentPosition(
      function (p) {
        form.lat.value = p.coords.latitude.toFixed(6);
        form.lng.value = p.coords.longitude.toFixed(6);
        form.submit();
      },
      function () {
        status.textContent = '无法获取您的位置，请按区域查找门店。';
      },
      { timeout: 10000, maximumAge: 300000 }
    );
  });
})();
