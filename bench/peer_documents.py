"""The GraphQL documents of the peers scenario's read questions (bench/peer_questions.py): Diptych's
fields, and PostGraphile's generated ones (Amber inflection: a table's `id` column is `rowId`,
relations are `userByUserId` and `orderLinesByOrderId`; connection-filter's `filter`)."""

DIPTYCH_CATEGORY = """
query($category: String!, $sort: ProductSort!, $first: Int!) {
  products(category: $category, sort: $sort, first: $first) {
    totalCount
    edges { node { id version sku name category price stock status } }
  }
}"""
PEER_CATEGORY = """
query($category: String!, $orderBy: [ProductOrderBy!]!, $first: Int!) {
  allProducts(condition: {category: $category}, orderBy: $orderBy, first: $first) {
    totalCount
    nodes { rowId version sku name category price stock status }
  }
}"""
DIPTYCH_ORDERS = """
query($search: String!, $from: Date!, $to: Date!, $status: OrderStatus, $minTotal: Decimal,
      $first: Int!) {
  orders(search: $search, placedFrom: $from, placedTo: $to, status: $status,
         minTotal: $minTotal, sort: NEWEST, first: $first) {
    totalCount
    edges { node {
      id version status placedAt total units customer { id name email }
      lines { productId sku name category unitPrice quantity }
    } }
  }
}"""
PEER_ORDERS = """
query($filter: OrderFilter!, $first: Int!) {
  allOrders(filter: $filter, orderBy: [PLACED_AT_DESC], first: $first) {
    totalCount
    nodes {
      rowId version status placedAt total units userByUserId { rowId name email }
      orderLinesByOrderId(orderBy: [LINE_NO_ASC]) {
        nodes { productId sku name category unitPrice quantity }
      }
    }
  }
}"""
DIPTYCH_SALES = """
query($from: Date!, $to: Date!) {
  salesSummary(from: $from, to: $to, interval: DAY, groupBy: STATUS) {
    start revenue orders units groups { key revenue orders units }
  }
}"""
PEER_SALES = """
query($firstDay: Date!, $lastDay: Date!) {
  salesByDay(firstDay: $firstDay, lastDay: $lastDay) {
    nodes { day status revenue orders units }
  }
}"""
