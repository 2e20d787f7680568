#!/usr/bin/env node
// The installed package runs the JavaScript that `npm pack` built from src/.
import "../dist/main.js";
