// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cxx-features [SCALE]: C++ for the unwinder and the demangler, built with
 * -O2 -fomit-frame-pointer: a class template's member
 * (Accumulator<double>::add_all), a function template called with a
 * lambda (apply_n), and exceptions thrown through libstdc++ and libgcc's
 * unwinder and caught (throw_and_catch).  SCALE 1 is ~2 s of CPU here.
 */
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <vector>

static volatile double sink;

template <typename T> struct Accumulator {
	T total{};
	__attribute__((noinline)) void add_all(const std::vector<T> &v)
	{
		for (int pass = 0; pass < 40; pass++)
			for (const T &x : v)
				total = total * (T)0.999999 + x;
	}
};

template <typename F> __attribute__((noinline)) double apply_n(F f, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += f(i);
	return s;
}

struct parse_error : std::runtime_error {
	explicit parse_error(const char *what) : std::runtime_error(what) {}
};

__attribute__((noinline)) int may_throw(int i)
{
	if (i % 2 == 0)
		throw parse_error("even");
	return i;
}

__attribute__((noinline)) long throw_and_catch(int n)
{
	long c = 0;

	for (int i = 0; i < n; i++) {
		try {
			c += may_throw(i);
		} catch (const parse_error &) {
			c--;
		}
	}
	return c;
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? std::strtod(argv[1], nullptr) : 1.0;
	int rounds = (int)(10 * scale + 0.5);
	std::vector<double> v(1 << 16);
	Accumulator<double> acc;
	double k = 1.0000001;

	if (scale <= 0 || scale > 1000) {
		std::fprintf(stderr, "usage: cxx-features [SCALE]\n");
		return 2;
	}
	for (size_t i = 0; i < v.size(); i++)
		v[i] = (double)i;
	for (int r = 0; r < (rounds ? rounds : 1); r++) {
		acc.add_all(v);
		sink = apply_n(
			[&](int i) {
				double x = i;
				for (int j = 0; j < 64; j++)
					x = x * k + 1.0 / (x + 1.0);
				return x;
			},
			1 << 16);
		sink = (double)throw_and_catch(20000);
	}
	sink = acc.total;
	std::printf("cxx-features: done\n");
	return 0;
}
