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

  // Why a field's value is refused, or null: at_least() of the program, which
  // gives the same limits to argparse. Fields are checked in the program's
  // order of arguments, and named as its attributes are (max_overflow).
  function fieldRefused(input) {
    const text = input.value;
    const whole = input.step === "1";
    const value = Number(text);
    // Python's int() takes digits only: "1.0" is not a whole number there
    if (text === "" || !Number.isFinite(value) || (whole && !/^[+-]?\d+$/.test(text))) {
      return `${text || "nothing"} is not ${whole ? "a whole number" : "a number"}`;
    }
    if (input.min !== "" && value < Number(input.min)) return `${text} is below ${input.min}`;
    if (input.max !== "" && value > Number(input.max)) return `${text} is above ${input.max}`;
    return null;
  }

  // Why the inputs make no sense together, or null: refused() of the program.
  function refused(form) {
    for (const input of form.querySelectorAll("input")) {
      const problem = fieldRefused(input);
      if (problem) return `${input.name}: ${problem}`;
    }
    const number = (name) => Number(form.elements[name].value);
    if (number("reserved") >= number("max_connections")) {
      return (
        `reserved = ${number("reserved")} leaves none of max_connections` +
        ` = ${number("max_connections")} to ordinary clients`
      );
    }
    const taken = number("reserved") + number("others");
    if (taken > number("max_connections")) {
      return (
        `reserved + other clients = ${number("reserved")} + ${number("others")}` +
        ` = ${taken}, more than max_connections = ${number("max_connections")}`
      );
    }
    return null;
  }

  // pool_size_for() of the program: rounded first, as the program does (200 x
  // 0.05 is 10); at least 1, since pool_size=0 would mean no limit
  function poolSizeFor(rate, hold, utilisation) {
    return Math.max(1, Math.ceil(Number(((rate * hold) / utilisation).toFixed(6))));
  }

  // most_processes() of the program: fewer processes need bigger pools
  function mostProcesses(fleetRate, hold, utilisation, maxOverflow, allowed) {
    let fits = 0;
    for (let n = 1; n <= Math.floor(allowed / (1 + maxOverflow)); n++) {
      if (n * (poolSizeFor(fleetRate / n, hold, utilisation) + maxOverflow) <= allowed) fits = n;
    }
    return fits;
  }

  function calculate(form) {
    const number = (name) => Number(form.elements[name].value);
    const fleetRate = number("rate");
    const hold = number("hold");
    const processes = number("processes");
    const utilisation = number("utilisation");
    const maxOverflow = number("max_overflow");
    const maxConnections = number("max_connections");
    const reserved = number("reserved");
    const others = number("others");

    const rate = fleetRate / processes; // each process gets its share
    const target = utilisation / 100;
    const inUse = rate * hold; // Little's law: L = rate x hold
    const poolSize = poolSizeFor(rate, hold, target);
    const allowed = maxConnections - reserved - others;
    const lines = [
      "units of work a second, per process: " +
        `${twoDecimals(fleetRate)} / ${processes} = ${twoDecimals(rate)}`,
      `connections in use per process on average (L = rate x hold): ${twoDecimals(inUse)}`,
      `pool_size per process for ${utilisation} % utilisation` +
        ` (L / ${twoDecimals(target)}, rounded up): ${poolSize}`,
      "connections the server allows the fleet: " +
        `${maxConnections} - ${reserved} - ${others} = ${allowed}`,
    ];
    if (maxOverflow < 0) {
      return lines.concat([
        "connections the fleet may open: no bound (max_overflow = -1)",
        "fits: unbounded, a process may open any number of connections",
      ]);
    }
    const most = processes * (poolSize + maxOverflow);
    const fit = mostProcesses(fleetRate, hold, target, maxOverflow, allowed);
    return lines.concat([
      `connections the fleet may open: ${processes} x (${poolSize} + ${maxOverflow}) = ${most}`,
      `fits: ${most <= allowed ? "yes" : "no"}`,
      "most processes that fit (the rate shared): " +
        (fit ? `${fit}` : "none"),
    ]);
  }

  function attach(form) {
    const output = form.querySelector("output");
    const update = () => {
      output.textContent = refused(form) ?? calculate(form).join("\n");
    };
    form.addEventListener("input", update);
    form.addEventListener("submit", (event) => event.preventDefault());
    update();
  }

  document.querySelectorAll("form.sizing-calculator").forEach(attach);
})();
