// The sizing calculator of sizing.md: the arithmetic of
// snippets/session_pool/sizing/calculator.py, line for line. The browser tests
// hold its answers to that program's output for the same inputs.
(function () {
  // Two decimals, rounded half up on the decimal digits, as the program's
  // Decimal does: toFixed alone rounds 1.005 down (its binary value is below).
  function twoDecimals(value) {
    const [whole, fraction] = value.toFixed(6).split(".");
    let cents = BigInt(whole + fraction.slice(0, 2));
    if (Number(fraction[2]) >= 5) cents += 1n;
    const digits = cents.toString().padStart(3, "0");
    return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
  }

  function calculate(form) {
    const number = (name) => Number(form.elements[name].value);
    const rate = number("rate");
    const hold = number("hold");
    const processes = number("processes");
    const poolSize = number("pool_size");
    const maxOverflow = number("max_overflow");
    const maxConnections = number("max_connections");
    const reserved = number("reserved");

    const inUse = rate * hold; // Little's law: L = rate x hold
    // rounded first, as the program does: 200 x 0.05 is 10
    const poolSizeFor = Math.ceil(Number(inUse.toFixed(6)));
    const perProcess = poolSize + maxOverflow;
    const most = processes * perProcess;
    const allowed = maxConnections - reserved;
    return [
      `connections in use on average (L = rate x hold): ${twoDecimals(inUse)}`,
      `pool_size that covers the average: ${poolSizeFor}`,
      `connections the fleet may open: ${processes} x (${poolSize} + ${maxOverflow}) = ${most}`,
      `connections the server allows: ${maxConnections} - ${reserved} = ${allowed}`,
      `fits: ${most <= allowed ? "yes" : "no"}`,
      `most processes that fit: ${Math.floor(allowed / perProcess)}`,
    ];
  }

  function attach(form) {
    const output = form.querySelector("output");
    const update = () => {
      output.textContent = form.checkValidity()
        ? calculate(form).join("\n")
        : "Enter a number in every field.";
    };
    form.addEventListener("input", update);
    form.addEventListener("submit", (event) => event.preventDefault());
    update();
  }

  document.querySelectorAll("form.sizing-calculator").forEach(attach);
})();
