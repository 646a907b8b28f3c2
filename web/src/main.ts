console.log("cmdop");
