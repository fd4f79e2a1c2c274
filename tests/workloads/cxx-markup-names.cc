// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cxx-markup-names: two hot C++ functions whose demangled names hold HTML
 * markup and quotes, for the flame graph's escaping: a function template
 * instantiated on a class named `script` (void burn<script>(double)) and a
 * user-defined literal operator (operator"" _burn).  About 0.6 s of CPU
 * in each.
 */
#include <ctime>

struct script {};

static volatile unsigned long long sink;

static void spin_cpu(double seconds)
{
	std::clock_t end = std::clock() + (std::clock_t)(seconds * CLOCKS_PER_SEC);

	while (std::clock() < end)
		for (int i = 0; i < 100000; i++)
			sink = sink + (unsigned long long)i;
}

template <class T> __attribute__((noinline)) void burn(double seconds)
{
	spin_cpu(seconds);
}

__attribute__((noinline)) unsigned long long operator"" _burn(unsigned long long ms)
{
	spin_cpu((double)ms / 1000.0);
	return ms;
}

int main()
{
	burn<script>(0.6);
	sink = 600_burn;
	return 0;
}
